@endorsement @ledger @roles:author,endorser @needs:endorsement
Feature: Transaction endorsement when something goes wrong
  What an author or an endorser must do when the other party, or the ledger, does not do what the
  manual flow expects. The reference agent provokes each case by name; the statements
  (features/statements/transactions-1.0.json) name their sources, and what was or was not written is
  read back from the pool.

  @TXN-13 @reference:endorser
  Scenario: an author whose endorsed write the ledger refuses says so, and acks nothing
    Given the author and the endorser are connected, the endorser with a role-less DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema
    And the endorser endorses the request
    And the author tries to write the endorsed transaction
    Then the author reports the ledger's refusal of the write
    And the endorser receives no ack
    And the schema is not on the ledger

  @TXN-15 @reference:endorser
  Scenario: an endorse for a transaction the author never asked for changes nothing, and the author keeps working
    Given the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema
    And the endorser will set the field "transaction_id" of its next "transactions/endorse" to "7c1d2e3f-0000-4000-8000-00000000dead"
    And the endorser endorses the request
    Then the author's transaction is still waiting for its endorsement
    When the endorser endorses the request again
    And the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser

  @TXN-20 @reference:endorser
  Scenario: a malformed endorse changes nothing, and the author keeps working
    Given the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema
    And the endorser will drop the field "signature_response" of its next "transactions/endorse"
    And the endorser endorses the request
    Then the author's transaction is still waiting for its endorsement
    When the endorser endorses the request again
    And the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser

  @TXN-16 @reference:endorser
  Scenario: an author given another author's request in place of its own does not write it
    Given the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    And the endorser will endorse another author's request in place of the next one it endorses
    When the author asks the endorser to endorse a new schema
    And the endorser endorses the request
    And the author tries to write the endorsed transaction
    Then the request the endorser gave back in its place is not on the ledger
    And the endorser receives no ack

  @TXN-21 @reference:author
  Scenario: a request its author cancelled is not endorsed
    Given the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema
    And the endorser has received the request
    And the author cancels its request
    Then the endorser's record of the request is cancelled
    When the endorser is asked to endorse the request
    Then the author receives no endorsement of its request

  @TXN-22 @reference:author
  Scenario: a request its author cancelled and resent is endorsed and written
    Given the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema
    And the endorser has received the request
    And the author cancels its request
    Then the endorser's record of the request is cancelled
    When the author resends its request
    Then the endorser's record of the request is resent
    When the endorser endorses the request
    Then the author receives the endorsement: its own request, signed by the author and the endorser
    When the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser

  @TXN-23 @reference:endorser
  Scenario: an endorse that comes over another connection changes nothing
    Given the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    And the author and the endorser are connected a second time
    When the author asks the endorser to endorse a new schema
    And the endorser will send its next endorse over its second connection
    And the endorser endorses the request
    Then the author's transaction is still waiting for its endorsement
    When the endorser endorses the request again
    And the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser
