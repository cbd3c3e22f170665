package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A REST answer can only choose among the hosts the user allowed: a leader it names elsewhere gets
 * no login (no password) unless {@code memberHosts} allows its host, and an answer naming thousands
 * of members is ignored instead of polled or logged in to.
 */
class TrustBoundaryTest {

  private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /** A server on {@code address} that counts the connections made to it and closes them. */
  private ServerSocket counting(String address, AtomicInteger accepted) throws IOException {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName(address));
    closing.add(s);
    Thread t =
        new Thread(
            () -> {
              while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                  accepted.incrementAndGet();
                } catch (IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
    return s;
  }

  private MockWebServer rest(String body) throws IOException {
    MockWebServer server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().body(body).build();
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    closing.add(server);
    return server;
  }

  private static String member(String name, String role, String host, int port) {
    return "{\"name\": \""
        + name
        + "\", \"role\": \""
        + role
        + "\", \"state\": \"running\", \"host\": \""
        + host
        + "\", \"port\": "
        + port
        + ", \"timeline\": 1, \"lag\": 0, \"api_url\": \"http://"
        + host
        + ":"
        + port
        + "/patroni\"}";
  }

  private Object connect(String params, int replicaPort, MockWebServer rest) throws Exception {
    PatroniDataSource ds =
        new PatroniDataSource(
            "jdbc:patroni:postgresql://127.0.0.1:"
                + replicaPort
                + "/postgres?sslmode=disable&failoverTimeoutMs=1500&patroniUrls=http://127.0.0.1:"
                + rest.getPort()
                + params);
    closing.add(ds);
    ds.setUser("app");
    ds.setPassword("app-password");
    return catchThrowable(ds::getConnection);
  }

  @Test
  void aLeaderOnAnUnlistedHostGetsNoLoginWithOrWithoutDiscoveryButWithMemberHosts()
      throws Exception {
    AtomicInteger listed = new AtomicInteger();
    AtomicInteger unlisted = new AtomicInteger();
    ServerSocket replica = counting("127.0.0.1", listed);
    ServerSocket elsewhere = counting("127.0.0.2", unlisted);
    MockWebServer rest =
        rest(
            "{\"scope\": \"trust\", \"members\": ["
                + member("n1", "leader", "127.0.0.2", elsewhere.getLocalPort())
                + ", "
                + member("n2", "replica", "127.0.0.1", replica.getLocalPort())
                + "]}");

    Object discovering = connect("", replica.getLocalPort(), rest);
    Object listedOnly = connect("&discoverMembers=false", replica.getLocalPort(), rest);
    assertThat(unlisted.get()).as("logins to the unlisted leader").isZero();
    Object allowed = connect("&memberHosts=127.0.0.2", replica.getLocalPort(), rest);

    for (Object refused : List.of(discovering, listedOnly)) {
      assertThat(refused).isInstanceOf(SQLException.class);
      assertThat(((SQLException) refused).getSQLState()).isEqualTo("08001");
      assertThat(((SQLException) refused).getMessage())
          .contains("127.0.0.2")
          .containsAnyOf("memberHosts", "discoverMembers=false");
    }
    assertThat(unlisted.get()).as("a login once memberHosts allows it").isPositive();
    assertThat(allowed).isInstanceOf(SQLException.class); // the counting server is no PostgreSQL
  }

  @Test
  void anAnswerNamingTwentyThousandMembersIsIgnored() throws Exception {
    AtomicInteger logins = new AtomicInteger();
    ServerSocket host = counting("127.0.0.1", logins);
    StringBuilder body = new StringBuilder("{\"scope\": \"huge\", \"members\": [");
    for (int i = 0; i < 20_000; i++) {
      body.append(i == 0 ? "" : ", ")
          .append(member("m" + i, i == 0 ? "leader" : "replica", "127.0.0.1", 10_000 + i % 50_000));
    }
    MockWebServer rest = rest(body.append("]}").toString());

    long start = System.nanoTime();
    Object outcome = connect("", host.getLocalPort(), rest);
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(outcome).isInstanceOf(SQLException.class);
    assertThat(tookMs).isLessThan(5000);
    // no topology was taken from it: only the URL's one host was probed, nothing else tried
    assertThat(logins.get()).isLessThanOrEqualTo(3);
    assertThat(rest.getRequestCount()).isLessThan(100);
  }
}
