@migration @roles:agent,peer @reference:peer @needs:store:agent
Feature: DID and key storage migration killed halfway (the design's Migration Strategy)
  The scenario checks the statement it is tagged with (features/statements/did-key-storage.json, MIG-06)
  on a store the agent under test made: a connection with the reference agent over DID Exchange 1.1
  and an unqualified DID of its own. The harness stops the agent, copies its store, runs the reference
  migration (`store migrate`) on the store as a child process and kills it once it has planned, while
  it writes; then it migrates the store again and the copy without interruption, and starts the agent
  again on the migrated store. The store after the kill, and the store run again beside the copy, decide.

  Background:
    Given the agent has connected to the peer, requesting with a did:peer:4 DID
    And the agent keeps an unqualified DID of its own

  @MIG-06
  Scenario: a migration killed halfway leaves the store as it was, and run again ends as an uninterrupted one
    When the agent's store is migrated by a run killed once it has planned, and migrated again
    Then the killed run left the store as it was, and run again it ends as the uninterrupted migration of a copy
