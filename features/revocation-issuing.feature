@revocation @ledger @roles:author,endorser @needs:endorsement @needs:revocation:author
Feature: Issuing and revoking with the registries an unprivileged author keeps by itself
  The design's revocation flows after the setup: the author, set up for the automatic flow and
  finding its endorser by the alias it was started with, writes the registry entries of its
  revocations (at once with publish, or later, several in one entry) and moves to a new registry
  when one fills, each write endorsed by its endorser, with no controller step beyond the call
  that issues, revokes or publishes. Each scenario has an author of its own, as a deployment has
  one endorser connection. Credentials go to a holder the adapter runs (ACA-Py: a second instance
  of the same version). Every entry is read back from the pool. Statements:
  features/statements/revocation-endorsed.json.

  Background:
    Given the endorser is set up for the automatic flow
    And the author is set up for the automatic flow, new
    And the author and the endorser are connected, the author naming the connection by its endorser alias, the endorser with its DID on the ledger
    And each has taken its job on the connection, the author knowing the endorser's DID, with its own on the ledger
    And the author has a schema of its own on the ledger, endorsed by the endorser
    And the author has a credential definition with revocation support on the ledger, its registries of 4 credentials each, and issues from a registry of it on the ledger

  @REV-04
  Scenario: a revocation published at once is an entry of its registry, written through the endorser
    Given the author has issued 2 credentials of the credential definition to a holder
    When the author revokes credential 1, publishing at once
    Then an entry of the registry on the ledger revokes exactly credential 1, written by the author and endorsed by the endorser, its accumulator following the registry's last one

  @REV-05
  Scenario: revocations kept back are published later in one entry, written through the endorser
    Given the author has issued 3 credentials of the credential definition to a holder
    When the author revokes credential 1 without publishing
    And the author revokes credential 2 without publishing
    And the author publishes its pending revocations
    Then an entry of the registry on the ledger revokes exactly credentials 1 and 2, written by the author and endorsed by the endorser, its accumulator following the registry's last one

  @REV-06
  Scenario: a registry that fills gives way to the one standing by, and issuing goes on with no controller step
    When the author issues 5 credentials of the credential definition, one more than a registry holds
    Then the credentials are of more than one registry, each on the ledger, none past its size

  @REV-02 @should
  Scenario: once a registry fills, a new one stands by again, written through the endorser
    When the author issues 5 credentials of the credential definition, one more than a registry holds
    Then 3 revocation registries of the credential definition are on the ledger, each with its first entry, every write by the author and endorsed by the endorser
