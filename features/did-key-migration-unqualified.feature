@migration @roles:agent,peer @same-agent @needs:store:agent
Feature: DID and key storage migration of a connection on unqualified DIDs (DID Exchange 1.0)
  Each scenario checks the statement it is tagged with (features/statements/did-key-storage.json, MIG-*)
  on a store whose working connection runs on an unqualified DID of the agent's, as DID Exchange 1.0
  and connections/1.0 made them: the peer invites with DID Exchange 1.0 only and the agent requests
  on a DID of its own choosing. The reference agent resolves no unqualified DIDs, so the peer is another
  instance of the agent under test (@same-agent). The harness stops the agent, runs the reference
  migration (`store migrate`) on its store and starts the agent again on the migrated store. An agent
  that takes a qualified DID on DID Exchange 1.0 has no such store: untested, with the DID it took.

  Background:
    Given the agent has connected to the peer over DID Exchange 1.0, on an unqualified DID of its own
    When the agent's store is migrated

  @MIG-01
  Scenario: the agent's unqualified DID on a working connection becomes a did:peer:4, and its connection follows it
    Then the unqualified DID is now the did:peer:4 its verkey makes, with a bound key and a did tag
    And every record that named the unqualified DID as the agent's own names the did:peer:4 instead

  @MIG-02
  Scenario: the migration of a store with a connection on unqualified DIDs loses no key, no DID and no record
    Then every key is still there with its public key and signs, every DID leads to the same key, and no record is lost

  @MIG-03
  Scenario: the connection on unqualified DIDs works on the migrated store
    Then the peer and the agent each answer a trust ping on their connection
