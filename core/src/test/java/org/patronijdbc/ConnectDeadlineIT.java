package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testing.StartupRelay;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * One deadline from the first attempt to the handed-out connection: a member that freezes right
 * after it let the login in does not hold the connect past {@code failoverTimeoutMs}. PostgreSQL is
 * real; a relay in front of it drops {@code in_hot_standby} from the login's reply (as PostgreSQL
 * 13 and older send none, so the role is asked with a query) and can stop forwarding after the
 * login. A fake REST API names the relay as the member.
 */
@PatroniTest
class ConnectDeadlineIT {

  private static final int FAILOVER_TIMEOUT_MS = 3000;

  private static MockWebServer rest(String role, int port) throws Exception {
    String body =
        "{\"scope\": \"deadline\", \"members\": [{\"name\": \"m1\", \"role\": \""
            + role
            + "\", \"state\": \"running\", \"host\": \"127.0.0.1\", \"port\": "
            + port
            + ", \"timeline\": 1"
            + (role.equals("leader") ? "" : ", \"lag\": 0")
            + "}]}";
    MockWebServer server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().body(body).build();
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  private static PatroniDataSource dataSource(int relayPort, MockWebServer rest) {
    PatroniDataSource ds =
        new PatroniDataSource(
            "jdbc:patroni:postgresql://127.0.0.1:"
                + relayPort
                // assumeMinServerVersion: pgjdbc sends application_name in the startup packet
                // instead of a SET after it, so the login ends at the first ReadyForQuery
                + "/postgres?sslmode=disable&assumeMinServerVersion=9.4&discoverMembers=false"
                + "&failoverTimeoutMs="
                + FAILOVER_TIMEOUT_MS
                + "&patroniUrls=http://127.0.0.1:"
                + rest.getPort());
    ds.setUser(PatroniCluster.SUPERUSER);
    ds.setPassword(PatroniCluster.PASSWORD);
    return ds;
  }

  /**
   * Connects on another thread, and with {@code query} asks the connection whether it is a standby;
   * how long the connect took and what came out (a connection handed out without a query: true).
   */
  private static Object[] timedConnect(DataSource ds, boolean query) throws Exception {
    long start = System.nanoTime();
    Object outcome =
        CompletableFuture.supplyAsync(
                () -> {
                  try (Connection c = ds.getConnection()) {
                    if (!query) {
                      return true;
                    }
                    try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                      rs.next();
                      return rs.getBoolean(1);
                    }
                  } catch (SQLException e) {
                    return e;
                  }
                })
            .get(60, TimeUnit.SECONDS);
    return new Object[] {outcome, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)};
  }

  @Test
  void withoutInHotStandbyTheRoleIsAskedAndTheConnectionServes(PatroniCluster cluster)
      throws Exception {
    Member leader = cluster.leader();
    try (StartupRelay relay = new StartupRelay(leader.pgPort(), true, false);
        MockWebServer rest = rest("leader", relay.port());
        PatroniDataSource ds = dataSource(relay.port(), rest)) {
      Object[] result = timedConnect(ds, true);

      assertThat(result[0]).isEqualTo(false); // a connection to the leader, role confirmed
      assertThat(relay.logins()).isEqualTo(1);
    }
  }

  @Test
  void aLeaderThatFreezesRightAfterTheLoginDoesNotHoldTheConnectPastTheDeadline(
      PatroniCluster cluster) throws Exception {
    Member leader = cluster.leader();
    try (StartupRelay relay = new StartupRelay(leader.pgPort(), true, true);
        MockWebServer rest = rest("leader", relay.port());
        PatroniDataSource ds = dataSource(relay.port(), rest)) {
      Object[] result = timedConnect(ds, false);
      long tookMs = (long) result[1];
      System.out.printf(
          "ConnectDeadlineIT: a member frozen after the login: the connect failed after %d ms"
              + " (failoverTimeoutMs=%d)%n",
          tookMs, FAILOVER_TIMEOUT_MS);

      assertThat(relay.logins()).isGreaterThanOrEqualTo(1); // the login itself went through
      assertThat(result[0]).isInstanceOf(SQLException.class);
      assertThat(((SQLException) result[0]).getSQLState()).isEqualTo("08001");
      assertThat(tookMs).isLessThan(FAILOVER_TIMEOUT_MS + 2000);
    }
  }

  /**
   * A read connection is read-only from its login on: nothing is sent after the login, so a replica
   * that freezes then cannot hold the connect (marking it read-only with a statement afterwards, as
   * before, waited for the frozen server with no timeout at all).
   */
  @Test
  void aReplicaThatFreezesRightAfterTheLoginDoesNotHoldAReadConnect(PatroniCluster cluster)
      throws Exception {
    Member replica = cluster.replicas().get(0);
    try (StartupRelay relay = new StartupRelay(replica.pgPort(), false, true);
        MockWebServer rest = rest("replica", relay.port());
        PatroniDataSource ds = dataSource(relay.port(), rest)) {
      Object[] result = timedConnect(ds.readOnly(), false);
      long tookMs = (long) result[1];
      System.out.printf(
          "ConnectDeadlineIT: a replica frozen after the login: the read connect returned %s"
              + " after %d ms%n",
          result[0], tookMs);

      assertThat(relay.logins()).isEqualTo(1);
      assertThat(tookMs).isLessThan(FAILOVER_TIMEOUT_MS + 2000);
    }
  }
}
