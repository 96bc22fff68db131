@endorsement @ledger @roles:author,endorser @needs:endorsement
Feature: Transaction endorsement (ACA-Py's transactions/1.0) on the Indy pool
  An author whose DID has no role on the ledger has its writes endorsed by an endorser whose DID has
  the ENDORSER role. There is no accepted Aries RFC for this protocol: the statements
  (features/statements/transactions-1.0.json) come from the protocol as ACA-Py defines it and from the
  design of the automatic endorser flows, each naming its source. Every write an agent reports is read
  back from the run's pool with the harness's own client: an agent's word alone is never the verdict.

  Background:
    Given the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger

  @TXN-07 @reference:endorser
  Scenario: the author tells the endorser its job
    Then the endorser was told the job TRANSACTION_AUTHOR

  @TXN-08 @reference:author
  Scenario: the endorser tells the author its job
    Then the author was told the job TRANSACTION_ENDORSER

  @TXN-01 @reference:endorser
  Scenario: the author asks for a schema to be endorsed, naming the endorser and signing the request
    When the author asks the endorser to endorse a new schema
    Then the endorser receives the request for that schema, naming the endorser and signed by the author

  @TXN-02 @reference:author
  Scenario: the endorser endorses the author's request, adding its signature to the request as it came
    When the author asks the endorser to endorse a new schema
    And the endorser endorses the request
    Then the author receives the endorsement: its own request, signed by the author and the endorser

  @TXN-03 @reference:endorser
  Scenario: the author writes the endorsed schema to the ledger and acks
    When the author asks the endorser to endorse a new schema
    And the endorser endorses the request
    And the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser
    And the endorser receives the author's ack

  @TXN-04 @reference:author
  Scenario: the endorser's signature gets the unprivileged author's schema onto the ledger
    When the author asks the endorser to endorse a new schema
    And the endorser endorses the request
    And the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser
    And the endorser's transaction is acked

  @TXN-03 @TXN-04
  Scenario: an author and an endorser complete the manual flow for a schema
    When the author asks the endorser to endorse a new schema
    And the endorser endorses the request
    And the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser
    And the author's transaction is acked
    And the endorser's transaction is acked

  @TXN-05 @reference:author
  Scenario: the endorser refuses a request, and says so without a signature
    When the author asks the endorser to endorse a new schema
    And the endorser refuses the request
    Then the author receives a refusal of its request

  @TXN-06 @reference:endorser
  Scenario: a refused author writes nothing
    When the author asks the endorser to endorse a new schema
    And the endorser refuses the request
    Then the author's transaction is refused
    And the schema is not on the ledger

  @TXN-03 @TXN-04
  Scenario: an author and an endorser complete the manual flow for a credential definition on the endorsed schema
    When the author asks the endorser to endorse a new schema
    And the endorser endorses the request
    And the author writes the endorsed transaction
    And the schema is on the ledger, written by the author and endorsed by the endorser
    When the author asks the endorser to endorse a credential definition for that schema
    And the endorser endorses the request
    And the author writes the endorsed transaction
    Then the credential definition is on the ledger, written by the author and endorsed by the endorser
    And the author's transaction is acked
    And the endorser's transaction is acked

  @TXN-01 @reference:endorser
  Scenario: the author asks for a new endpoint of its DID to be endorsed, naming the endorser and signing the request
    When the author asks the endorser to endorse a new endpoint of its DID
    Then the endorser receives the request for that endpoint, naming the endorser and signed by the author

  @TXN-11 @should @reference:endorser
  Scenario: the author's request for an endpoint carries its ledger request as text
    When the author asks the endorser to endorse a new endpoint of its DID
    Then the endorser receives the request for that endpoint, naming the endorser and signed by the author
    And every request the endorser received from the author carries its ledger request as text

  @TXN-03 @TXN-04
  Scenario: an author and an endorser complete the manual flow for an endpoint ATTRIB
    When the author asks the endorser to endorse a new endpoint of its DID
    And the endorser endorses the request
    And the author writes the endorsed transaction
    Then the endpoint is on the ledger, written by the author and endorsed by the endorser
    And the author's transaction is acked
    And the endorser's transaction is acked

  @TXN-14 @reference:author
  Scenario: the endorser writes the NYM of the author's new DID itself (write_did)
    When the author asks the endorser to write the NYM of a new DID of its own
    And the endorser endorses the request
    Then the author receives the endorsement of its DID, which the endorser wrote to the ledger
