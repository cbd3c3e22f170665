package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.LocalPatroniCluster;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * Configuration errors fail at once with the server's own SQLState, after one login per member
 * tried, however long {@code failoverTimeoutMs} is.
 */
@PatroniTest
class FailFastIT {

  private static final String USER = PatroniCluster.SUPERUSER;
  private static final String PASSWORD = PatroniCluster.PASSWORD;
  private static final String TIMEOUT = "failoverTimeoutMs=30000";

  @BeforeAll
  static void roles(PatroniCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement()) {
      s.execute("DROP ROLE IF EXISTS ff_nologin");
      s.execute("CREATE ROLE ff_nologin NOLOGIN PASSWORD 'ff-secret'");
      s.execute("DROP ROLE IF EXISTS ff_app");
      s.execute("CREATE ROLE ff_app LOGIN PASSWORD 'ff-secret'");
      s.execute("DROP DATABASE IF EXISTS \"my?db\"");
      s.execute("CREATE DATABASE \"my?db\"");
    }
  }

  @Test
  void missingDatabaseFailsAtOnceWith3D000(PatroniCluster cluster) {
    String url = cluster.jdbcUrl("nosuchdb", TIMEOUT);

    SQLException e =
        timed("missing database", () -> DriverManager.getConnection(url, USER, PASSWORD));

    assertThat(e.getSQLState()).isEqualTo("3D000");
    assertThat(e.getMessage()).contains(cluster.leader().name()).contains("nosuchdb");
  }

  @Test
  void roleWithoutLoginFailsAtOnceWith28000(PatroniCluster cluster) {
    String url = cluster.jdbcUrl("postgres", TIMEOUT);

    SQLException e =
        timed(
            "role without LOGIN",
            () -> DriverManager.getConnection(url, "ff_nologin", "ff-secret"));

    assertThat(e.getSQLState()).isEqualTo("28000");
  }

  /**
   * With md5 (as with scram-sha-256), PostgreSQL 15 answers an unknown role as it answers a wrong
   * password, 28P01, so that a client cannot tell which roles exist.
   */
  @Test
  void unknownRoleFailsAtOnceWithTheServersAnswer(PatroniCluster cluster) {
    String url = cluster.jdbcUrl("postgres", TIMEOUT);

    SQLException e =
        timed("unknown role", () -> DriverManager.getConnection(url, "ff_nosuchrole", "x"));

    assertThat(e.getSQLState()).isEqualTo("28P01");
  }

  @Test
  void wrongPasswordFailsAtOnceAfterOneLogin(PatroniCluster cluster) throws Exception {
    Member leader = cluster.leader();
    long before = failedLogins(cluster, "ff_app");
    String url = cluster.jdbcUrl("postgres", TIMEOUT);

    SQLException e =
        timed("wrong password", () -> DriverManager.getConnection(url, "ff_app", "no"));

    assertThat(e.getSQLState()).isEqualTo("28P01");
    assertThat(e.getMessage()).contains(leader.name());
    long logins = awaitFailedLogins(cluster, "ff_app", before + 1) - before;
    System.out.println("FailFastIT wrong password: failed logins logged by the server: " + logins);
    assertThat(logins).isEqualTo(1);
  }

  @Test
  void wrongPasswordOnAReplicaReadFailsWithoutFallingBackToTheLeader(PatroniCluster cluster)
      throws Exception {
    long before = failedLogins(cluster, "ff_app");
    try (PatroniDataSource ds = new PatroniDataSource(cluster.jdbcUrl("postgres", TIMEOUT))) {
      ds.setProperty("readOnlyUser", "ff_app");
      ds.setProperty("readOnlyPassword", "no");

      SQLException e = timed("wrong password, replica read", () -> ds.readOnly().getConnection());

      assertThat(e.getSQLState()).isEqualTo("28P01");
    }
    long logins = awaitFailedLogins(cluster, "ff_app", before + 1) - before;
    System.out.println("FailFastIT replica read: failed logins logged by the server: " + logins);
    assertThat(logins).isEqualTo(1);
  }

  @Test
  void percentEncodedDatabaseNamesReachTheDatabaseOfThatName(PatroniCluster cluster)
      throws SQLException {
    try (Connection c =
            DriverManager.getConnection(cluster.jdbcUrl("my%3Fdb", TIMEOUT), USER, PASSWORD);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("my?db");
    }
  }

  private interface Connect {
    Connection open() throws SQLException;
  }

  private static SQLException timed(String what, Connect connect) {
    long start = System.nanoTime();
    Throwable thrown = catchThrowable(() -> connect.open().close());
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(thrown).as(what).isInstanceOf(SQLException.class);
    SQLException e = (SQLException) thrown;
    System.out.println("FailFastIT " + what + ": " + e.getSQLState() + " after " + ms + " ms");
    assertThat(ms).as(what + " took (ms)").isLessThan(1000);
    return e;
  }

  /** PostgreSQL logs to its Patroni's log: one line per failed password login. */
  private static long failedLogins(PatroniCluster cluster, String role) throws IOException {
    String line = "password authentication failed for user \"" + role + "\"";
    long count = 0;
    for (Member m : cluster.members()) {
      Path log =
          ((LocalPatroniCluster) cluster).directory().resolve(m.name()).resolve("patroni.log");
      if (Files.exists(log)) {
        try (var lines = Files.lines(log)) {
          count += lines.filter(l -> l.contains(line)).count();
        }
      }
    }
    return count;
  }

  /** The server writes its log line a moment after it answers the client. */
  private static long awaitFailedLogins(PatroniCluster cluster, String role, long atLeast)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    long count = failedLogins(cluster, role);
    while (count < atLeast && System.nanoTime() < deadline) {
      Thread.sleep(100);
      count = failedLogins(cluster, role);
    }
    Thread.sleep(500); // and any further attempt would have been logged by now
    return failedLogins(cluster, role);
  }
}
