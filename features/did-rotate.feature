@RFC0794 @roles:rotating_party,observing_party @needs:didRotate
Feature: DID Rotate 1.0 (RFC 0794)
  Each scenario checks the statement it is tagged with (features/statements/rfc0794.json) for the
  agent in the statement's role; the reference agent plays the other role, to observe the wire or to
  misbehave on purpose (@reference:<role>). @should marks statements whose failure is a warning.

  Background:
    Given a connection between the rotating party and the observing party

  # ---- the agent under test as rotating party --------------------------------------------------

  @0794-01 @reference:observing_party
  Scenario: the rotate names its type and a valid DID to rotate to
    When the rotating party rotates to a new DID
    Then the observing party receives a rotate of type "https://didcomm.org/did-rotate/1.0/rotate" whose to_did is a valid DID

  @0794-02 @reference:observing_party
  Scenario: the rotate is authcrypted with the key of the current DID
    When the rotating party rotates to a new DID
    Then the observing party receives a rotate of type "https://didcomm.org/did-rotate/1.0/rotate" whose to_did is a valid DID
    And the rotate was authcrypted with the key of the rotating party's DID before the rotation

  @0794-07 @reference:observing_party
  Scenario: after the ack the rotating party sends from its new DID
    When the rotating party rotates to a new DID
    Then the rotating party uses the new DID once the ack has been received
    When the rotating party sends a trust ping
    Then the rotating party receives the observing party's trust ping response
    And the observing party received that trust ping authcrypted with the key of the new DID

  @0794-04 @reference:observing_party
  Scenario: until the ack arrives the rotating party receives on its old and its new DID
    Given the observing party will hold back its next "did-rotate/ack"
    When the rotating party rotates to a new DID
    Then the observing party receives a rotate of type "https://didcomm.org/did-rotate/1.0/rotate" whose to_did is a valid DID
    When the observing party sends a trust ping to the rotating party's old DID
    Then the observing party receives the rotating party's trust ping response
    When the observing party sends a trust ping to the rotating party's new DID
    Then the observing party receives the rotating party's trust ping response
    When the observing party releases the messages it held back
    Then the rotating party uses the new DID once the ack has been received

  @0794-14 @reference:observing_party
  Scenario: a refused rotation is not completed: the old DID stays in use and works
    Given the observing party will refuse the next rotate with "e.did.unresolvable"
    When the rotating party rotates to a new DID
    Then the observing party has refused the rotate with "e.did.unresolvable"
    When the rotating party sends a trust ping
    Then the rotating party receives the observing party's trust ping response
    And the observing party received that trust ping authcrypted with the key of the rotating party's DID before the rotation

  @0794-15 @reference:observing_party
  Scenario: a rotation after a refused one uses a new thread
    Given the observing party will refuse the next rotate with "e.did.unresolvable"
    When the rotating party rotates to a new DID
    Then the observing party has refused the rotate with "e.did.unresolvable"
    When the rotating party sends a trust ping
    Then the rotating party receives the observing party's trust ping response
    When the rotating party rotates to a new DID again
    Then the observing party receives a second rotate in a thread of its own

  @0794-16 @reference:observing_party
  Scenario: the hangup has its type, no body and is authcrypted
    When the rotating party hangs up
    Then the observing party receives a hangup of type "https://didcomm.org/did-rotate/1.0/hangup" with no body fields
    And the hangup was authcrypted with the key of the rotating party's DID before the rotation

  # ---- the agent under test as observing party -------------------------------------------------

  @0794-06 @reference:rotating_party
  Scenario: the ack names its type, the rotate's thread and status OK
    When the rotating party rotates to a new DID
    Then the rotating party receives an ack of type "https://didcomm.org/did-rotate/1.0/ack" threaded to the rotate with status "OK"

  @0794-05 @reference:rotating_party
  Scenario: the ack is sent to the prior DID
    When the rotating party rotates to a new DID
    Then the rotating party receives an ack of type "https://didcomm.org/did-rotate/1.0/ack" threaded to the rotate with status "OK"
    And the ack was sent to the rotating party's prior DID

  @0794-08 @reference:rotating_party
  Scenario: after the ack the observing party sends to the new DID's keys and endpoint
    When the rotating party rotates to a new DID
    And the rotating party uses the new DID once the ack has been received
    When the observing party sends a trust ping
    Then the observing party receives the rotating party's trust ping response
    And the rotating party received that trust ping on its new DID, whose keys and endpoint differ from the prior DID's

  @0794-03 @reference:rotating_party
  Scenario: an anoncrypted rotate is discarded
    Given the rotating party will send its next "did-rotate/rotate" anoncrypted
    When the rotating party rotates to a new DID
    And the rotating party sends a trust ping
    Then the rotating party receives the observing party's trust ping response
    And the observing party has neither acked nor refused the rotation
    And the observing party still knows the rotating party by its DID before the rotation

  @reference:rotating_party
  Scenario Outline: a rotate to a DID the observing party cannot use gets a problem report with code <code>
    When the rotating party rotates to "<to_did>"
    Then the rotating party receives a did-rotate problem report with code "<code>" threaded to the rotate
    And the observing party still knows the rotating party by its DID before the rotation

    @0794-09
    Examples: a DID of a supported method that does not resolve
      | to_did                                                   | code               |
      | did:peer:4zQmVd2ZAM4dGmzLXeNYdPHTPMo8yEnpE9YBvSZx5ktDk7NL | e.did.unresolvable |

    @0794-10
    Examples: a DID of an unsupported method
      | to_did                                  | code                     |
      | did:example:123456789abcdefghijklmnopqr | e.did.method_unsupported |

    @0794-11
    Examples: a DID whose document offers no DIDComm service
      | to_did                                                   | code                  |
      | did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp | e.did.doc_unsupported |

  @0794-12 @reference:rotating_party
  Scenario: the problem report is threaded to the rotate
    When the rotating party rotates to "did:peer:4zQmVd2ZAM4dGmzLXeNYdPHTPMo8yEnpE9YBvSZx5ktDk7NL"
    Then the rotating party receives a did-rotate problem report threaded to the rotate

  @0794-18 @reference:rotating_party
  Scenario: a to_did that is not a DID gets a problem report rather than silence
    When the rotating party rotates to "not a DID at all"
    Then the rotating party receives a did-rotate problem report threaded to the rotate
    And the observing party still knows the rotating party by its DID before the rotation

  @0794-13 @should @reference:rotating_party
  Scenario: the problem report names the DID it refuses in problem_items
    When the rotating party rotates to "did:peer:4zQmVd2ZAM4dGmzLXeNYdPHTPMo8yEnpE9YBvSZx5ktDk7NL"
    Then the rotating party receives a did-rotate problem report threaded to the rotate
    And its problem_items name exactly the DID of the rotate

  @0794-17 @reference:rotating_party
  Scenario: nothing is sent in response to a hangup, nor afterwards on that relationship
    When the rotating party hangs up
    And the observing party has processed the hangup
    And the rotating party sends a trust ping on the ended relationship all the same
    And a new connection between the rotating party and the observing party carries a trust ping round trip
    Then the observing party has sent nothing on the ended relationship since the hangup

  @0794-19 @should @reference:rotating_party
  Scenario: a rotate of a higher minor version is handled as 1.0
    Given the rotating party will set the field "@type" of its next "did-rotate/rotate" to "https://didcomm.org/did-rotate/1.1/rotate"
    When the rotating party rotates to a new DID
    Then the rotating party receives an ack of type "https://didcomm.org/did-rotate/1.0/ack" threaded to the rotate with status "OK"
