@multitenancy @roles:agency,peer @reference:peer @needs:tenancy:agency
Feature: Multitenancy: many tenants behind one agent
  Each scenario checks the statement it is tagged with (features/statements/multitenancy.json) for the
  multitenant agent (the agency) in each tenancy mode it offers: a store per tenant, or a profile per
  tenant in one store. Every tenant is made afresh for its scenario; the reference agent is the peer
  outside. Checks use only what is observable: the admin API under each credential, each webhook
  subscriber, and the wire.

  @MT-01
  Scenario Outline: a tenant lists none of another tenant's connections or DIDs (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "B" is connected with the peer
    Then tenant "A" lists none of the connections and DIDs of tenant "B"

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-02
  Scenario Outline: a tenant can neither read nor delete another tenant's connection (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "B" is connected with the peer
    Then tenant "A" can neither read nor delete the connection of tenant "B"
    And the peer and tenant "B" exchange trust pings both ways

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-03
  Scenario Outline: a tenant cannot call the multitenancy admin routes (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    Then tenant "A" can neither list tenants, nor read a tenant record, nor issue a token for tenant "B"

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-04
  Scenario Outline: the base wallet reaches none of the tenants' connections or DIDs (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "A" is connected with the peer
    Then the base wallet lists none of the connections and DIDs of tenant "A"

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-05
  Scenario Outline: a token issued again invalidates the one before (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    When tenant "A" is issued a new token
    Then the previous token of tenant "A" is refused and its new token accepted

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-06
  Scenario Outline: a removed tenant's token is refused (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    When tenant "A" is removed
    Then the token of tenant "A" is refused

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-07
  Scenario Outline: tokens the agency did not sign are refused (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    Then tokens forged from the token of tenant "A" are refused, also with the wallet id of tenant "B" in it

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-08
  Scenario Outline: a message to a tenant's key reaches that tenant only (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "A" is connected with the peer
    And tenant "B" is connected with the peer
    When the peer sends tenant "A" a basic message
    Then tenant "A" receives it and no other subscriber gets it

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-09
  Scenario Outline: a message to a key no tenant owns reaches no one (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    When the peer sends a basic message encrypted to a key no tenant owns
    Then no subscriber gets it

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-10
  Scenario Outline: a message to a removed tenant's key reaches no one (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "A" is connected with the peer
    When tenant "A" is removed
    And the peer sends tenant "A" a basic message
    Then no subscriber gets it

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-11
  Scenario Outline: two tenants of one agent connect to each other and exchange messages (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    When tenant "A" connects to tenant "B"
    Then tenants "A" and "B" exchange trust pings both ways

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-12
  Scenario Outline: a tenant that rotates its DID receives on the new DID (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "A" is connected with the peer
    When tenant "A" rotates its DID with the peer
    Then the peer's trust ping to the new DID of tenant "A" is answered

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-13
  Scenario Outline: a tenant that observes a rotation sends to the new DID (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "A" is connected with the peer
    When the peer rotates its DID with tenant "A"
    Then the next trust ping of tenant "A" is encrypted to the key of the peer's new DID

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-14
  Scenario Outline: restarted on the same base wallet, the agency still routes and honours tokens (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "A" is connected with the peer
    And the peer and tenant "A" exchange trust pings both ways
    When the agency restarts
    Then the token of tenant "A" is accepted
    And the peer and tenant "A" exchange trust pings both ways

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-15
  Scenario Outline: each tenant's events go to its own subscriber only (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "A" is connected with the peer
    And tenant "B" is connected with the peer
    Then every event about tenant "A" went to its own subscriber only
    And every event about tenant "B" went to its own subscriber only

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-16
  Scenario Outline: no wallet key, token or JWT secret in admin answers or the log (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    And tenant "A" is connected with the peer
    When tenant "A" is issued a new token
    Then no tenant record, tenant list or configuration answer carries a secret
    And the agency's log carries no secret

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |

  @MT-17 @should
  Scenario Outline: a message no tenant can take is refused (<mode>)
    Given the agency in <mode> tenancy has tenants "A" and "B"
    When the peer sends a basic message encrypted to a key no tenant owns
    Then the agency answers it with a client error

    @mode:store-per-tenant
    Examples: store per tenant
      | mode |
      | store-per-tenant |

    @mode:profile-per-tenant
    Examples: profile per tenant
      | mode |
      | profile-per-tenant |
