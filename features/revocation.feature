@revocation @ledger @roles:author,endorser @needs:endorsement @needs:revocation:author
Feature: Revocation handled by an unprivileged author, every ledger write through its endorser
  The second half of the design "simplifying the endorser and revocation workflows": an author set
  up for the automatic flow, with --auto-create-revocation-transactions and the run's tails server,
  makes the revocation registries of a credential definition, uploads their tails files and writes
  their entries by itself, each write endorsed by its endorser, with no controller step after the
  one call that makes the credential definition. The endorser is set up for the automatic flow.
  Every write is read back from the pool and every tails file from the tails server. Statements:
  features/statements/revocation-endorsed.json.

  Background:
    Given the endorser is set up for the automatic flow
    And the author is set up for the automatic flow
    And the author and the endorser are connected, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    And the author has a schema of its own on the ledger, endorsed by the endorser

  @REV-01
  Scenario: the credential definition, a registry of it and the registry's first entry are written through the endorser, with no controller step
    When the author makes a credential definition with revocation support, its registries of 4 credentials each
    Then the credential definition is on the ledger with revocation support, written by the author and endorsed by the endorser
    And 1 revocation registry of the credential definition is on the ledger, each with its first entry, every write by the author and endorsed by the endorser

  @REV-02 @should
  Scenario: a second registry stands ready beside the first, written through the endorser
    When the author makes a credential definition with revocation support, its registries of 4 credentials each
    Then the credential definition is on the ledger with revocation support, written by the author and endorsed by the endorser
    And 2 revocation registries of the credential definition are on the ledger, each with its first entry, every write by the author and endorsed by the endorser

  @REV-03
  Scenario: the tails file of a registry is uploaded to the tails server, the one the ledger names
    When the author makes a credential definition with revocation support, its registries of 4 credentials each
    Then the credential definition is on the ledger with revocation support, written by the author and endorsed by the endorser
    And 1 revocation registry of the credential definition is on the ledger, each with its first entry, every write by the author and endorsed by the endorser
    And the tails file of each of those registries is on the tails server, with the hash the ledger holds, served where the ledger says

  @REV-07 @reference:endorser
  Scenario: a registry write the endorser refuses is reported, and no registry is claimed that is not on the ledger
    Given the endorser will refuse the next request to write a revocation registry definition
    When the author makes a credential definition with revocation support, its registries of 4 credentials each
    Then the credential definition is on the ledger with revocation support, written by the author and endorsed by the endorser
    And the author reports the endorser's refusal of its revocation registry definition
    And the author claims no registry of the credential definition that is not on the ledger

  @REV-08
  Scenario: a tails upload the tails server refuses leaves no registry claimed whose tails file is not served
    Given the tails server refuses every upload
    When the author makes a credential definition with revocation support, its registries of 4 credentials each
    Then the credential definition is on the ledger with revocation support, written by the author and endorsed by the endorser
    And the tails server refused an upload of the author, and the author claims no registry whose tails file it does not serve, for as long as the step bound
