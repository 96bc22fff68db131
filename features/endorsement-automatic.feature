@endorsement @ledger @roles:author,endorser @needs:endorsement
Feature: The automatic endorsement flows (--auto-endorse-transactions, --auto-request-endorsement, --auto-write-transactions)
  The design of the automatic endorser flows: an endorser set up by configuration endorses every
  request as it arrives; an author set up so sends each request as it makes it, and writes and acks
  each endorsement as it arrives; neither needs a controller step after the one call that starts a
  flow. ACA-Py in an automatic role is a process of its own, started on first use with that role's
  flags; the reference agent needs none. Statements: features/statements/transactions-1.0.json;
  every write is read back from the pool.

  @TXN-09 @reference:author
  Scenario: the automatic endorser endorses a request as it arrives, with no controller step
    Given the endorser is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema
    Then the endorser endorses the request with no controller step
    And the author receives the endorsement: its own request, signed by the author and the endorser
    When the author writes the endorsed transaction
    Then the schema is on the ledger, written by the author and endorsed by the endorser
    And the endorser's transaction is acked

  @TXN-10 @reference:endorser
  Scenario: the automatic author sends its request at once, and writes and acks the endorsement with no controller step
    Given the author is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema
    Then the endorser receives the request for that schema, naming the endorser and signed by the author
    When the endorser endorses the request
    Then the author writes it and acks with no controller step
    And the schema is on the ledger, written by the author and endorsed by the endorser
    And the endorser receives the author's ack

  @TXN-11 @should @reference:endorser
  Scenario: the automatic author's requests carry their ledger requests as text
    Given the author is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema
    Then the endorser receives the request for that schema, naming the endorser and signed by the author
    And every request the endorser received from the author carries its ledger request as text

  @TXN-12 @should @reference:author
  Scenario: the automatic endorser does not endorse a request whose expiry has passed
    Given the endorser is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema, its expiry already past
    Then the author receives no endorsement of its request

  @TXN-17 @reference:endorser
  Scenario: the automatic author takes the author job on a new connection, with no controller step
    Given the author is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    Then the endorser was told the job TRANSACTION_AUTHOR

  @TXN-18 @reference:author
  Scenario: the automatic endorser takes the endorser job on a new connection, with no controller step
    Given the endorser is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    Then the author was told the job TRANSACTION_ENDORSER

  @TXN-19 @reference:endorser
  Scenario: the automatic author finds its endorser by alias on a connection made after it started
    Given the author is set up for the automatic flow
    And the author and the endorser are connected, the author naming the connection by its endorser alias, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    When the author asks the endorser to endorse a new schema, naming no connection
    Then the endorser receives the request for that schema, naming the endorser and signed by the author
    When the endorser endorses the request
    Then the author writes it and acks with no controller step
    And the schema is on the ledger, written by the author and endorsed by the endorser

  @TXN-30 @reference:endorser
  Scenario: the automatic author finds its endorser by public DID on a connection made after it started
    Given the endorser has an invitation out under its public DID, on the ledger with its endpoint
    And the author is set up for the automatic flow, new, knowing its endorser by public DID alone
    When the author accepts the endorser's invitation, naming the connection nothing
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    And the author asks the endorser to endorse a new schema, naming no connection
    Then the endorser receives the request for that schema, naming the endorser and signed by the author
    When the endorser endorses the request
    Then the author writes it and acks with no controller step
    And the schema is on the ledger, written by the author and endorsed by the endorser

  @TXN-24 @reference:endorser
  Scenario: the automatic author with no public DID has its endorser write the NYM of its new DID, and acks
    Given the author is set up for the automatic flow, new and with no public DID
    And the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with no public DID of its own
    When the author asks the endorser to write the NYM of a new DID of its own
    Then the endorser receives the author's request to write the NYM of its new DID
    When the endorser endorses the request
    Then the NYM of the author's new DID is on the ledger, written by the endorser
    And the author writes it and acks with no controller step
    And the endorser receives the author's ack

  @TXN-25 @reference:endorser
  Scenario: the automatic author makes the DID its endorser wrote its public DID, its endpoint endorsed and written
    Given the author is set up for the automatic flow, new and with no public DID, promoting the DID its endorser writes for it
    And the author and the endorser are connected, the author naming the connection by its endorser alias, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with no public DID of its own
    When the author asks the endorser to write the NYM of a new DID of its own
    And the endorser endorses the request
    Then the endorser receives the author's request to write the endpoint of its new DID, signed with that DID
    When the endorser endorses the request
    Then the endpoint of the author's new DID is on the ledger, written by the author and endorsed by the endorser
    And the author writes it and acks with no controller step
    And the author's public DID is its new DID

  @TXN-26 @reference:endorser
  Scenario: the automatic author started with its endorser's invitation connects by itself, and its requests go there
    Given the endorser has an invitation out, with its DID on the ledger
    And the author is set up for the automatic flow, new, given the endorser's invitation and DID
    Then the author connects to the endorser by itself, naming the connection by its endorser alias
    When the author has its own DID on the ledger, made public
    And the author asks the endorser to endorse a new schema, naming no connection
    Then the endorser receives the request for that schema, naming the endorser and signed by the author
    When the endorser endorses the request
    Then the author writes it and acks with no controller step
    And the schema is on the ledger, written by the author and endorsed by the endorser

  @TXN-27 @reference:endorser
  Scenario: the automatic author that connects by itself at start tells the endorser its job
    Given the endorser has an invitation out, with its DID on the ledger
    And the author is set up for the automatic flow, new, given the endorser's invitation and DID
    Then the author connects to the endorser by itself, naming the connection by its endorser alias
    And the endorser was told the job TRANSACTION_AUTHOR

  @TXN-28 @should @reference:endorser
  Scenario: the automatic author's admin interface does not alter the job its configuration gives it
    Given the author is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    When the author is asked through its admin interface to take the job TRANSACTION_ENDORSER on the connection
    Then the endorser is told no job TRANSACTION_ENDORSER
    And the author refused to take the job

  @TXN-29 @should @reference:author
  Scenario: the automatic endorser's admin interface does not alter the job its configuration gives it
    Given the endorser is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    When the endorser is asked through its admin interface to take the job TRANSACTION_AUTHOR on the connection
    Then the author is told no job TRANSACTION_AUTHOR
    And the endorser refused to take the job
