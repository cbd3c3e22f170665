package org.patronijdbc.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without Patroni, learns each host's role the way libpq does: connect and read {@code
 * in_hot_standby} (PostgreSQL 14+) or {@code pg_is_in_recovery()}. Lag is unknown this way, so
 * probed replicas report lag 0 and {@code maxReplicationLag} cannot apply.
 */
public final class HostProbe {

  private static final Logger log = LoggerFactory.getLogger(HostProbe.class);
  private static final org.postgresql.Driver PGJDBC = new org.postgresql.Driver();

  private HostProbe() {}

  /**
   * Probes every host, each bounded by {@code loginTimeoutSeconds}.
   *
   * @throws SQLException the server's own answer, at once, when a login fails for a reason no retry
   *     fixes (a wrong password, a missing database): every host would answer alike
   */
  public static ClusterTopology probe(
      List<String> hosts, String database, Properties props, int loginTimeoutSeconds)
      throws SQLException {
    List<ClusterMember> members = new ArrayList<>();
    for (String host : hosts) {
      String hostName = host.substring(0, host.lastIndexOf(':'));
      int port = Integer.parseInt(host.substring(host.lastIndexOf(':') + 1));
      MemberRole role = MemberRole.UNKNOWN;
      String state = "unreachable";
      try (Connection c = open(host, database, props, loginTimeoutSeconds)) {
        role = isStandby(c, loginTimeoutSeconds) ? MemberRole.REPLICA : MemberRole.LEADER;
        state = "running";
      } catch (SQLException e) {
        if (!Errors.isRetryableLoginFailure(e)) {
          throw Errors.loginRefused(host, e);
        }
        log.debug("probe of {} failed: {}", host, e.toString());
      }
      members.add(
          new ClusterMember(
              host, role, state, hostName, port, -1, OptionalLong.of(0), Map.of(), ""));
    }
    return new ClusterTopology("", members, Instant.now(), ClusterTopology.Source.PROBE);
  }

  public static Connection open(
      String host, String database, Properties props, int loginTimeoutSeconds) throws SQLException {
    Properties p = new Properties();
    p.putAll(props);
    p.setProperty("loginTimeout", String.valueOf(loginTimeoutSeconds));
    String connectTimeout = p.getProperty("connectTimeout");
    if (connectTimeout == null || parseOr(connectTimeout, 0) > loginTimeoutSeconds) {
      p.setProperty("connectTimeout", String.valueOf(loginTimeoutSeconds));
    }
    String url = pgUrl(host, database);
    Connection c = PGJDBC.connect(url, p);
    if (c == null) {
      throw new SQLException("pgjdbc refused " + url, "08001");
    }
    return c;
  }

  /**
   * The pgjdbc URL for {@code database} on {@code host}. pgjdbc decoded the name when it parsed the
   * patroni URL, so it is encoded again: {@code my%3Fdb} must reach the database {@code my?db}.
   */
  static String pgUrl(String host, String database) {
    return "jdbc:postgresql://" + host + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  /** Whether the server is a hot standby: from the login's in_hot_standby, else by asking. */
  public static boolean isStandby(Connection c, int timeoutSeconds) throws SQLException {
    String hot = c.unwrap(PGConnection.class).getParameterStatus("in_hot_standby");
    if (hot != null) {
      return "on".equals(hot);
    }
    try (Statement s = c.createStatement()) {
      s.setQueryTimeout(timeoutSeconds);
      try (ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  private static int parseOr(String value, int otherwise) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}
