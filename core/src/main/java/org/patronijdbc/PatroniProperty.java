package org.patronijdbc;

import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.patronijdbc.internal.SqlState;

/**
 * Every connection property patroni-jdbc reads, with its name, default, description and allowed
 * values. Set them as URL parameters ({@code
 * jdbc:patroni:postgresql://h1,h2/db?maxReplicationLag=16MB}), as driver {@link Properties}, or on
 * {@link PatroniDataSource}. Any other property is passed to pgjdbc unchanged.
 */
public enum PatroniProperty {
  DISCOVER_MEMBERS(
      "discoverMembers",
      "true",
      "Use members that Patroni reports but the URL does not list, e.g. a replica added at run"
          + " time, on hosts memberHosts allows; false: only the URL's hosts are polled and used.",
      "true",
      "false"),
  FAILOVER_TIMEOUT_MS(
      "failoverTimeoutMs",
      "30000",
      "How long a connect waits for a fit member (e.g. a new leader during a failover) before it"
          + " fails with 08001; also bounds each login."),
  MAX_REPLICATION_LAG(
      "maxReplicationLag",
      null,
      "Replicas lagging more than this (bytes, or with kB/MB/GB like Patroni's ?lag=) serve no"
          + " reads. Unset: no limit."),
  MEMBER_ADDRESSES(
      "memberAddresses",
      null,
      "Where to reach members, for NAT, containers or a proxy beside each member:"
          + " memberName=host:port or reportedHost:reportedPort=host:port, comma-separated."),
  MEMBER_HOSTS(
      "memberHosts",
      null,
      "Hosts Patroni may report members on besides the URL's own (with discoverMembers): host"
          + " names, *.suffix wildcards or CIDR ranges, comma-separated. Unset: only the URL's hosts"
          + " (and any, when every REST endpoint is https with a verified certificate)."),
  PATRONI_PASSWORD("patroniPassword", null, "Password for Basic authentication to the REST API."),
  PATRONI_PORT("patroniPort", "8008", "The Patroni REST API port on each host of the URL."),
  PATRONI_SCOPE(
      "patroniScope",
      null,
      "The Patroni scope (cluster name) to follow; REST answers from another cluster are ignored"
          + " with a WARN. Unset: the scope of the first answer."),
  PATRONI_SSL_CERT(
      "patroniSslCert",
      null,
      "PEM client certificate for a REST API with verify_client: required (with patroniSslKey)."),
  PATRONI_SSL_KEY(
      "patroniSslKey",
      null,
      "Unencrypted PEM private key of patroniSslCert: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), Bag"
          + " Attributes lines allowed."),
  PATRONI_SSL_ROOT_CERT(
      "patroniSslRootCert", null, "PEM CA certificate(s) that sign the REST API's certificate."),
  PATRONI_TIMEOUT_MS(
      "patroniTimeoutMs", "1000", "Timeout of one REST API request (connect and answer)."),
  PATRONI_URLS(
      "patroniUrls",
      null,
      "Explicit REST API endpoints (http(s)://host:port,...) instead of each URL host on"
          + " patroniPort."),
  PATRONI_USER(
      "patroniUser",
      null,
      "User for Basic authentication to the REST API: sent only over https, only to configured"
          + " endpoints."),
  READ_FALLBACK_TO_PRIMARY(
      "readFallbackToPrimary",
      "true",
      "With no fit replica, or none that connects, replica reads go to the leader; false fails them with 08001.",
      "true",
      "false"),
  READ_ONLY_PASSWORD("readOnlyPassword", null, "Password of readOnlyUser."),
  READ_ONLY_USER(
      "readOnlyUser",
      null,
      "Database user for replica connections (a separate read-only user); default: the same user."),
  READ_YOUR_WRITES(
      "readYourWrites",
      "off",
      "Replica reads see earlier commits made through the write side: thread (every commit of the"
          + " reading thread), dataSource (every commit made through the data source before the"
          + " read began), or off. A replica that has not replayed them is skipped; the leader"
          + " serves the read after readYourWritesTimeoutMs.",
      "off",
      "thread",
      "dataSource"),
  READ_YOUR_WRITES_TIMEOUT_MS(
      "readYourWritesTimeoutMs",
      "1000",
      "How long a read waits for a replica that has replayed its writes before the leader serves"
          + " it (or, without readFallbackToPrimary, it fails with 08001)."),
  REPLICA_SELECTION(
      "replicaSelection",
      "roundRobin",
      "How a replica is picked among the fit ones: roundRobin, random, or leastConnections (open"
          + " connections this JVM holds per member).",
      "roundRobin",
      "random",
      "leastConnections"),
  TARGET_SERVER_TYPE(
      "targetServerType",
      "primary",
      "Which members a connection may go to. pgjdbc's (master, secondary, preferSecondary) and"
          + " libpq's (read-write, read-only, standby, prefer-standby) spellings are accepted too.",
      "primary",
      "replica",
      "preferReplica",
      "preferPrimary",
      "any",
      "syncReplica"),
  TOPOLOGY_REFRESH_MS(
      "topologyRefreshMs",
      "1000",
      "How often the cluster's topology is read from one member's REST API (GET /cluster).");

  private final String propertyName;
  private final String defaultValue;
  private final String description;
  private final List<String> choices;

  PatroniProperty(String name, String defaultValue, String description, String... choices) {
    this.propertyName = name;
    this.defaultValue = defaultValue;
    this.description = description;
    this.choices = List.of(choices);
  }

  /** The property's name as written in URLs and {@link Properties}. */
  public String getName() {
    return propertyName;
  }

  /** The default value, or null when the property is unset by default. */
  public String getDefaultValue() {
    return defaultValue;
  }

  /** What the property does. */
  public String getDescription() {
    return description;
  }

  /** The allowed values, or an empty list when any value of the right type is allowed. */
  public List<String> getChoices() {
    return choices;
  }

  /** The property called {@code name}, if it is one of ours. */
  public static Optional<PatroniProperty> forName(String name) {
    return Arrays.stream(values()).filter(p -> p.propertyName.equals(name)).findFirst();
  }

  /** The value in {@code props}, else the default (possibly null). */
  public String get(Properties props) {
    return props.getProperty(propertyName, defaultValue);
  }

  /**
   * The value as a positive int.
   *
   * @throws SQLException 22023 naming the property when it is not a positive whole number
   */
  public int getPositiveInt(Properties props) throws SQLException {
    String value = get(props);
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed > 0) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw SqlState.badValue(getName(), value, "a positive whole number");
  }

  /**
   * The value as a boolean.
   *
   * @throws SQLException 22023 naming the property when it is neither true nor false
   */
  public boolean getBoolean(Properties props) throws SQLException {
    String value = get(props).trim().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw SqlState.badValue(getName(), get(props), "true or false");
    };
  }
}
