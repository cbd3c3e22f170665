package org.patronijdbc.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.patronijdbc.PatroniProperty;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code patroni.*}: what a Spring Boot application sets about the cluster rather than in the URL.
 * Each is a patroni-jdbc connection property (see {@link PatroniProperty}); a parameter written in
 * {@code spring.datasource.url} wins over the same one here. Unset means the library's default.
 */
@ConfigurationProperties("patroni")
public class PatroniProperties {

  /**
   * The read budget: connections all read pools (one per member that serves reads) hold together;
   * default: the write pool's maximum-pool-size.
   */
  private Integer readPoolSize;

  /**
   * Replicas lagging more than this serve no reads: bytes, or with kB, MB or GB (as Patroni's
   * ?lag=). Unset: no limit.
   */
  private String maxReplicationLag;

  /** With no fit replica, readOnly transactions run on the leader (true) or fail with 08001. */
  private Boolean readFallbackToPrimary;

  /** How a replica is picked among the fit ones: roundRobin, random or leastConnections. */
  private String replicaSelection;

  /** The Patroni scope (cluster name) to follow; answers from another cluster are ignored. */
  private String scope;

  /**
   * How long a connection waits for a fit member during a failover; default: the pool's
   * connection-timeout. The patroni health check turns DOWN when no leader was seen for longer.
   */
  private Duration failoverTimeout;

  /** How often the topology is read from the Patroni REST API. */
  private Duration topologyRefresh;

  /** Use members Patroni reports that the URL does not name (e.g. a replica added at run time). */
  private Boolean discoverMembers;

  /** Database user for replica connections (a separate read-only user); default: the same user. */
  private String readOnlyUser;

  /** Password of read-only-user. */
  private String readOnlyPassword;

  /** The Patroni REST API. */
  private final Rest rest = new Rest();

  /** The health checks. */
  private final Health health = new Health();

  /** Hosts besides the URL's that Patroni may report members on (names, *.suffix, CIDR). */
  private List<String> memberHosts;

  /** Where to reach members: member name (or reported host:port) to host:port. */
  private Map<String, String> memberAddresses;

  /**
   * Replica reads see earlier commits: off, thread, data-source, or session (per HTTP session or,
   * without one, a cookie: a POST-redirect-GET reads its own write on a replica).
   */
  private ReadYourWritesScope readYourWrites;

  /** How long a read waits for a replica that has replayed its writes before the leader serves. */
  private Duration readYourWritesTimeout;

  /** The {@code patroni.read-your-writes} choices. */
  public enum ReadYourWritesScope {
    /** No floor. */
    OFF,
    /** Every commit of the reading thread. */
    THREAD,
    /** Every commit made through the data source before the read began. */
    DATA_SOURCE,
    /** The thread's commits, carried from request to request in the HTTP session or a cookie. */
    SESSION
  }

  /** The health checks' settings. */
  public static class Health {

    /**
     * How long the db health check may take (a probe waits 1 s by default): it never waits a pool's
     * connection-timeout, and reports "failover in progress" while no leader is known.
     */
    private Duration timeout = Duration.ofSeconds(2);

    public Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }
  }

  /** The Patroni REST API the topology is read from. */
  public static class Rest {

    /** Explicit REST API endpoints (http(s)://host:port) instead of each URL host on port. */
    private List<String> urls;

    /** The REST API port on each host of the URL (Patroni's default: 8008). */
    private Integer port;

    /** Timeout of one REST request (connect and answer). */
    private Duration timeout;

    /** User for Basic authentication: sent only over https, only to the configured endpoints. */
    private String user;

    /** Password for Basic authentication. */
    private String password;

    /** PEM CA certificate(s) that sign the REST API's certificate. */
    private String sslRootCert;

    /** PEM client certificate for a REST API with verify_client: required. */
    private String sslCert;

    /** Unencrypted PEM private key of ssl-cert. */
    private String sslKey;

    public List<String> getUrls() {
      return urls;
    }

    public void setUrls(List<String> urls) {
      this.urls = urls;
    }

    public Integer getPort() {
      return port;
    }

    public void setPort(Integer port) {
      this.port = port;
    }

    public Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }

    public String getUser() {
      return user;
    }

    public void setUser(String user) {
      this.user = user;
    }

    public String getPassword() {
      return password;
    }

    public void setPassword(String password) {
      this.password = password;
    }

    public String getSslRootCert() {
      return sslRootCert;
    }

    public void setSslRootCert(String sslRootCert) {
      this.sslRootCert = sslRootCert;
    }

    public String getSslCert() {
      return sslCert;
    }

    public void setSslCert(String sslCert) {
      this.sslCert = sslCert;
    }

    public String getSslKey() {
      return sslKey;
    }

    public void setSslKey(String sslKey) {
      this.sslKey = sslKey;
    }
  }

  /** The set ones as patroni-jdbc connection properties, by property name. */
  Map<String, String> connectionProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    put(p, PatroniProperty.MAX_REPLICATION_LAG, maxReplicationLag);
    put(p, PatroniProperty.READ_FALLBACK_TO_PRIMARY, readFallbackToPrimary);
    put(p, PatroniProperty.REPLICA_SELECTION, replicaSelection);
    put(p, PatroniProperty.PATRONI_SCOPE, scope);
    put(
        p,
        PatroniProperty.FAILOVER_TIMEOUT_MS,
        failoverTimeout == null ? null : failoverTimeout.toMillis());
    put(
        p,
        PatroniProperty.TOPOLOGY_REFRESH_MS,
        topologyRefresh == null ? null : topologyRefresh.toMillis());
    put(p, PatroniProperty.DISCOVER_MEMBERS, discoverMembers);
    put(p, PatroniProperty.READ_ONLY_USER, readOnlyUser);
    put(p, PatroniProperty.READ_ONLY_PASSWORD, readOnlyPassword);
    put(p, PatroniProperty.PATRONI_URLS, rest.urls == null ? null : String.join(",", rest.urls));
    put(p, PatroniProperty.PATRONI_PORT, rest.port);
    put(
        p,
        PatroniProperty.PATRONI_TIMEOUT_MS,
        rest.timeout == null ? null : rest.timeout.toMillis());
    put(p, PatroniProperty.PATRONI_USER, rest.user);
    put(p, PatroniProperty.PATRONI_PASSWORD, rest.password);
    put(p, PatroniProperty.PATRONI_SSL_ROOT_CERT, rest.sslRootCert);
    put(p, PatroniProperty.PATRONI_SSL_CERT, rest.sslCert);
    put(p, PatroniProperty.PATRONI_SSL_KEY, rest.sslKey);
    put(
        p,
        PatroniProperty.MEMBER_HOSTS,
        memberHosts == null ? null : String.join(",", memberHosts));
    if (memberAddresses != null) {
      List<String> pairs = new java.util.ArrayList<>();
      memberAddresses.forEach((k, v) -> pairs.add(k + "=" + v));
      put(p, PatroniProperty.MEMBER_ADDRESSES, String.join(",", pairs));
    }
    if (readYourWrites != null) {
      put(
          p,
          PatroniProperty.READ_YOUR_WRITES,
          switch (readYourWrites) {
            case OFF -> "off";
            case THREAD, SESSION -> "thread";
            case DATA_SOURCE -> "dataSource";
          });
    }
    put(
        p,
        PatroniProperty.READ_YOUR_WRITES_TIMEOUT_MS,
        readYourWritesTimeout == null ? null : readYourWritesTimeout.toMillis());
    return p;
  }

  private static void put(Map<String, String> p, PatroniProperty property, Object value) {
    if (value != null) {
      p.put(property.getName(), value.toString());
    }
  }

  public Health getHealth() {
    return health;
  }

  public List<String> getMemberHosts() {
    return memberHosts;
  }

  public void setMemberHosts(List<String> memberHosts) {
    this.memberHosts = memberHosts;
  }

  public Map<String, String> getMemberAddresses() {
    return memberAddresses;
  }

  public void setMemberAddresses(Map<String, String> memberAddresses) {
    this.memberAddresses = memberAddresses;
  }

  public ReadYourWritesScope getReadYourWrites() {
    return readYourWrites;
  }

  public void setReadYourWrites(ReadYourWritesScope readYourWrites) {
    this.readYourWrites = readYourWrites;
  }

  public Duration getReadYourWritesTimeout() {
    return readYourWritesTimeout;
  }

  public void setReadYourWritesTimeout(Duration readYourWritesTimeout) {
    this.readYourWritesTimeout = readYourWritesTimeout;
  }

  public Integer getReadPoolSize() {
    return readPoolSize;
  }

  public void setReadPoolSize(Integer readPoolSize) {
    this.readPoolSize = readPoolSize;
  }

  public String getMaxReplicationLag() {
    return maxReplicationLag;
  }

  public void setMaxReplicationLag(String maxReplicationLag) {
    this.maxReplicationLag = maxReplicationLag;
  }

  public Boolean getReadFallbackToPrimary() {
    return readFallbackToPrimary;
  }

  public void setReadFallbackToPrimary(Boolean readFallbackToPrimary) {
    this.readFallbackToPrimary = readFallbackToPrimary;
  }

  public String getReplicaSelection() {
    return replicaSelection;
  }

  public void setReplicaSelection(String replicaSelection) {
    this.replicaSelection = replicaSelection;
  }

  public String getScope() {
    return scope;
  }

  public void setScope(String scope) {
    this.scope = scope;
  }

  public Duration getFailoverTimeout() {
    return failoverTimeout;
  }

  public void setFailoverTimeout(Duration failoverTimeout) {
    this.failoverTimeout = failoverTimeout;
  }

  public Duration getTopologyRefresh() {
    return topologyRefresh;
  }

  public void setTopologyRefresh(Duration topologyRefresh) {
    this.topologyRefresh = topologyRefresh;
  }

  public Boolean getDiscoverMembers() {
    return discoverMembers;
  }

  public void setDiscoverMembers(Boolean discoverMembers) {
    this.discoverMembers = discoverMembers;
  }

  public String getReadOnlyUser() {
    return readOnlyUser;
  }

  public void setReadOnlyUser(String readOnlyUser) {
    this.readOnlyUser = readOnlyUser;
  }

  public String getReadOnlyPassword() {
    return readOnlyPassword;
  }

  public void setReadOnlyPassword(String readOnlyPassword) {
    this.readOnlyPassword = readOnlyPassword;
  }

  public Rest getRest() {
    return rest;
  }
}
