@endorsement @ledger @roles:author,endorser @needs:endorsement
Feature: The automatic endorser (--auto-endorse-transactions)
  The design of the automatic endorser flows: an endorser set up by configuration endorses every
  request as it arrives, with no controller step. ACA-Py's automatic endorser is a process of its own,
  started on first use with its endorser flags; the reference agent needs none. Statements:
  features/statements/transactions-1.0.json; every write is read back from the pool.

  @TXN-09 @reference:author
  Scenario: the automatic endorser endorses a request as it arrives, with no controller step
    Given the endorser is the automatic endorser
    And the author and the endorser are connected, each with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID
    When the author asks the endorser to endorse a new schema
    Then the endorser endorses the request with no controller step
    And the author receives the endorsement: its own request, signed by the author and the endorser
    When the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser
    And the endorser's transaction is acked
