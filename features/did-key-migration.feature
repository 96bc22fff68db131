@migration @roles:agent,peer @reference:peer @needs:store:agent
Feature: DID and key storage migration (the design's Migration Strategy)
  Each scenario checks the statement it is tagged with (features/statements/did-key-storage.json, MIG-*)
  on a store the agent under test made: a connection with the reference agent over DID Exchange 1.1
  and an unqualified DID of its own, as connections/1.0 made them. The harness stops the agent, runs
  the reference migration (`store migrate`) on its store, and starts the agent again on the migrated
  store; what the store held before and after, and what the agent does on it, decide.

  Background:
    Given the agent has connected to the peer, requesting with a did:peer:4 DID
    And the agent keeps an unqualified DID of its own
    When the agent's store is migrated

  @MIG-01
  Scenario: an unqualified DID becomes the did:peer:4 its verkey makes, with a bound key and a did tag
    Then the unqualified DID is now the did:peer:4 its verkey makes, with a bound key and a did tag

  @MIG-02
  Scenario: the migration loses no key, no DID and no record
    Then every key is still there with its public key and signs, every DID leads to the same key, and no record is lost

  @MIG-03
  Scenario: the connection made before the migration works on the migrated store
    Then the peer and the agent each answer a trust ping on their connection

  @MIG-04
  Scenario: migrating the migrated store again changes nothing
    When the agent's store is migrated again
    Then the second migration wrote nothing and the store is as the first left it

  @MIG-05
  Scenario: the migrated store follows the design's model
    Then every did record and key entry of the migrated store validates against the design's schemas
