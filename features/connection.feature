@connection @roles:inviter,invitee
Feature: Connection establishment with out-of-band 1.1, DID Exchange 1.1 and trust ping
  The ground every other suite stands on (RFC 0434, RFC 0023, trust ping 1.0, basic message 1.0).
  An agent under test plays the inviter, the invitee or both; every DIDComm message a reference
  agent receives is checked against its JSON Schema whether or not a step asserts on it. Scenarios
  tagged @reference:<role> need the reference agent in that role, to observe or to misbehave.

  @RFC0434 @RFC0023
  Scenario Outline: the invitee requests with a did:peer:<numalgo> DID and the connection completes
    Given the inviter has created an out-of-band invitation for DID Exchange 1.1
    When the invitee accepts the invitation using a did:peer:<numalgo> DID
    Then the inviter and the invitee both have a completed connection
    And the invitee's DID on the connection is a did:peer:<numalgo>
    And each side knows the other's DID on the connection

    Examples:
      | numalgo |
      | 2       |
      | 4       |

  @RFC0434
  Scenario: the invitee accepts the invitation in its URL form
    Given the inviter has created an out-of-band invitation for DID Exchange 1.1
    When the invitee accepts the invitation's URL form
    Then the inviter and the invitee both have a completed connection

  @trust-ping @needs:messaging
  Scenario Outline: trust pings in both directions on a did:peer:<numalgo> connection
    Given a connection between the inviter and the invitee with did:peer:<numalgo> DIDs
    When the invitee sends a trust ping
    Then the invitee receives the inviter's trust ping response
    When the inviter sends a trust ping
    Then the inviter receives the invitee's trust ping response

    Examples:
      | numalgo |
      | 2       |
      | 4       |

  @basicmessage @needs:messaging
  Scenario: basic messages in both directions
    Given a connection between the inviter and the invitee
    When the inviter sends the basic message "hello from the inviter"
    Then the invitee receives the basic message "hello from the inviter"
    When the invitee sends the basic message "hello from the invitee"
    Then the inviter receives the basic message "hello from the invitee"

  @RFC0023 @reference:inviter @needs:messaging:invitee
  Scenario: the invitee threads its DID Exchange messages to the invitation and authcrypts them
    Given a connection between the inviter and the invitee
    Then the DID Exchange request the inviter received has ~thread.pthid equal to the invitation @id
    And the DID Exchange complete the inviter received is threaded to the request and the invitation
    When the invitee sends a trust ping
    Then the invitee receives the inviter's trust ping response
    And every message the inviter received on the connection was authcrypted with the key of the sender DID

  @RFC0023 @reference:invitee @needs:messaging:inviter
  Scenario: the inviter answers with a response signed by the invitation key
    Given a connection between the inviter and the invitee
    Then the DID Exchange response the invitee received is threaded to its request
    And the response's did_rotate~attach signs its DID with the invitation key
    When the inviter sends a trust ping
    Then the inviter receives the invitee's trust ping response
    And every message the invitee received on the connection was authcrypted with the key of the sender DID

  @RFC0434 @negative @reference:inviter
  Scenario: an invitation with neither handshake_protocols nor requests~attach is refused
    Given the inviter will drop the field "handshake_protocols" of its next "out-of-band/invitation"
    And the inviter has created an out-of-band invitation for DID Exchange 1.1
    When the invitee is given the invitation
    Then the invitee refuses the invitation
    And the inviter has received no DID Exchange request for that invitation

  @RFC0023 @negative @reference:inviter
  Scenario: a response whose did_rotate~attach signature does not verify is refused with a problem report
    Given the inviter will corrupt the field "did_rotate~attach.data.jws.signature" of its next "didexchange/response"
    And the inviter has created an out-of-band invitation for DID Exchange 1.1
    When the invitee accepts the invitation using a did:peer:4 DID
    Then the inviter receives a DID Exchange problem report threaded to the request
    And the invitee's connection does not complete

  @RFC0035 @negative @reference:inviter
  Scenario: a message of an unknown type is answered with a problem report
    Given a connection between the inviter and the invitee
    When the inviter sends a message of the unknown type "https://didcomm.org/conformance-probe/1.0/unknown"
    Then the inviter receives a problem report about that message

  @RFC0025 @negative @reference:inviter
  Scenario: a malformed envelope does not stop the invitee from working
    RFC 0025 names no status for a message that cannot be unpacked, so the status is recorded, not judged.
    Given a connection between the inviter and the invitee
    When the inviter posts a malformed envelope to the invitee's endpoint
    And the inviter sends a trust ping
    Then the inviter receives the invitee's trust ping response

  @RFC0023 @negative @reference:inviter
  Scenario: the invitee completes the exchange when the response's ~thread carries only thid
    RFC 0023 requires ~thread.thid in a response and leaves pthid optional; the complete's pthid
    must equal the request's, which the invitee knows from its own request.
    Given the inviter will drop the field "~thread.pthid" of its next "didexchange/response"
    And the inviter has created an out-of-band invitation for DID Exchange 1.1
    When the invitee accepts the invitation using a did:peer:4 DID
    Then the inviter and the invitee both have a completed connection
    And the DID Exchange complete the inviter received is threaded to the request and the invitation
