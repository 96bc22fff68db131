@storage @roles:agent,peer @reference:peer @needs:store:agent
Feature: DID and key storage in Askar (the did / key / nym model)
  Each scenario checks the statement it is tagged with (features/statements/did-key-storage.json) on
  the agent's own Askar store, which the harness opens and reads. The agent makes the DID through DID
  Exchange 1.1 with the reference agent as the peer; what the peer observed of that DID (the DID, its
  document, its DIDComm keys) says which records the store must hold. A model an agent does not follow
  is a finding for that statement.

  @DKS-01
  Scenario Outline: the DIDComm v1 key of the agent's <numalgo> DID is stored under its verkey
    Given the agent has connected to the peer, requesting with a <numalgo> DID
    When the agent's store is read
    Then each DIDComm v1 key of the agent's DID is a key entry named by its verkey, algorithm ed25519

    Examples:
      | numalgo    |
      | did:peer:4 |
      | did:peer:2 |

  @DKS-02
  Scenario Outline: the DIDComm v1 key of the agent's <numalgo> DID names the DID in a did tag
    Given the agent has connected to the peer, requesting with a <numalgo> DID
    When the agent's store is read
    Then each DIDComm v1 key entry of the agent's DID has a did tag naming the DID

    Examples:
      | numalgo    |
      | did:peer:4 |
      | did:peer:2 |

  @DKS-03
  Scenario Outline: the key of the agent's <numalgo> DID is stored bound, named by its verification method id
    Given the agent has connected to the peer, requesting with a <numalgo> DID
    When the agent's store is read
    Then each Ed25519 verification method of the agent's DID is a key entry named by its absolute id

    Examples:
      | numalgo    |
      | did:peer:4 |
      | did:peer:2 |

  @DKS-04
  Scenario Outline: the bound key of the agent's <numalgo> DID has did and rel tags
    Given the agent has connected to the peer, requesting with a <numalgo> DID
    When the agent's store is read
    Then each bound key of the agent's DID has a did tag naming the DID and a rel tag with its relationships

    Examples:
      | numalgo    |
      | did:peer:4 |
      | did:peer:2 |

  @DKS-05
  Scenario Outline: the agent's <numalgo> DID has a did record named by the qualified DID
    Given the agent has connected to the peer, requesting with a <numalgo> DID
    When the agent's store is read
    Then the store has a did record named by the agent's DID and none named by an unqualified DID

    Examples:
      | numalgo    |
      | did:peer:4 |
      | did:peer:2 |

  @DKS-06 @should
  Scenario Outline: the did record of the agent's <numalgo> DID has the design's value and tags
    Given the agent has connected to the peer, requesting with a <numalgo> DID
    When the agent's store is read
    Then the did records of the agent's DID validate against the design's did record schema

    Examples:
      | numalgo    |
      | did:peer:4 |
      | did:peer:2 |

  @DKS-07
  Scenario: the X25519 key of the agent's did:peer:2 DID is derived from its Ed25519 key
    Given the agent has connected to the peer, requesting with a did:peer:2 DID
    When the agent's store is read
    Then every X25519 key of the agent's DID, in its document and in the store, is derived from its Ed25519 key

  @DKS-08
  Scenario Outline: keys bound to no DID are named by their multikey (<numalgo>)
    Given the agent has connected to the peer, requesting with a <numalgo> DID
    When the agent's store is read
    Then every key entry bound to no DID is named by its multikey

    Examples:
      | numalgo    |
      | did:peer:4 |
      | did:peer:2 |

  @DKS-09
  Scenario Outline: every key entry holds the key its name says and signs (<numalgo>)
    Given the agent has connected to the peer, requesting with a <numalgo> DID
    When the agent's store is read
    Then every key entry named by a key holds that key, and every signing key signs and verifies

    Examples:
      | numalgo    |
      | did:peer:4 |
      | did:peer:2 |

  @DKS-10 @should @ledger @needs:endorsement:agent
  Scenario: the agent's posted nym is stored as a nym record with the verkey the ledger holds
    Given the agent has a DID on the ledger, written by the trustee and made public
    When the agent's store is read
    Then the store has a nym record named by the nym, with the verkey the ledger gives it
