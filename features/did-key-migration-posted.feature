@migration @ledger @roles:agent,peer @reference:peer @needs:store:agent @needs:endorsement:agent
Feature: DID and key storage migration of a posted did:sov (on the Indy pool)
  Each scenario checks the statement it is tagged with (features/statements/did-key-storage.json, MIG-*)
  on the store of an agent whose public DID is a nym the trustee wrote on the run's Indy pool, beside a
  connection with the reference agent. The harness stops the agent, runs the reference migration
  (`store migrate`) on its store and starts the agent again on the migrated store; the pool's own
  answer (GET_NYM) says which verkey the nym record must hold.

  Background:
    Given the agent has connected to the peer, requesting with a did:peer:4 DID
    And the agent has a DID on the ledger, written by the trustee and made public
    When the agent's store is migrated

  @MIG-07
  Scenario: the posted did:sov becomes a nym record with the ledger's verkey, a bound key and a qualified DID
    Then the posted nym is now a nym record with the ledger's verkey, its key bound as did:sov:<nym>#key-1, and its DID qualified

  @MIG-02
  Scenario: the migration of a store with a posted did:sov loses no key, no DID and no record
    Then every key is still there with its public key and signs, every DID leads to the same key, and no record is lost

  @MIG-03
  Scenario: the connection works on the migrated store of an agent with a posted public DID
    Then the peer and the agent each answer a trust ping on their connection
