package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/**
 * A write login that began under an older topology and completes after the leader changed is not
 * handed out: the connect goes on to the new leader. PostgreSQL is real; the login is slowed by a
 * TCP proxy that waits before it connects upstream, and the REST API is faked so the leader change
 * can be placed inside that window.
 */
@PatroniTest
class LateJoinerIT {

  /** Forwards to {@code target}, waiting {@code delayMs} before connecting each client upstream. */
  static final class DelayingProxy implements AutoCloseable {
    final ServerSocket listener;
    final CountDownLatch accepted = new CountDownLatch(1);

    DelayingProxy(int target, long delayMs) throws IOException {
      listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
      Thread acceptor =
          new Thread(
              () -> {
                while (!listener.isClosed()) {
                  try {
                    Socket client = listener.accept();
                    accepted.countDown();
                    new Thread(() -> relay(client, target, delayMs), "late-joiner-relay").start();
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "late-joiner-proxy");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    private static void relay(Socket client, int target, long delayMs) {
      try (client;
          Socket server = new Socket("127.0.0.1", target)) {
        Thread.sleep(delayMs);
        Thread up = pump(client.getInputStream(), server.getOutputStream());
        pump(server.getInputStream(), client.getOutputStream()).join();
        up.join();
      } catch (IOException | InterruptedException e) {
        // the test is over, or a side closed
      }
    }

    private static Thread pump(InputStream in, OutputStream out) {
      Thread t =
          new Thread(
              () -> {
                try {
                  in.transferTo(out);
                } catch (IOException e) {
                  // closed
                }
              });
      t.setDaemon(true);
      t.start();
      return t;
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }

  private static String cluster(String leaderName, int leaderPort, PatroniCluster cluster) {
    StringBuilder sb =
        new StringBuilder("{\"scope\": \"late\", \"members\": [")
            .append("{\"name\": \"")
            .append(leaderName)
            .append("\", \"role\": \"leader\", \"state\": \"running\", \"host\": \"127.0.0.1\",")
            .append(" \"port\": ")
            .append(leaderPort)
            .append(", \"timeline\": 1}");
    for (Member r : cluster.replicas()) {
      sb.append(", {\"name\": \"")
          .append(r.name())
          .append("\", \"role\": \"replica\", \"state\": \"streaming\", \"host\": \"127.0.0.1\",")
          .append(" \"port\": ")
          .append(r.pgPort())
          .append(", \"timeline\": 1, \"lag\": 0}");
    }
    return sb.append("]}").toString();
  }

  @Test
  void aWriteLoginThatCompletesAfterTheLeaderChangedIsNotHandedOut(PatroniCluster cluster)
      throws Exception {
    int leaderPort = cluster.leader().pgPort();
    AtomicReference<String> body = new AtomicReference<>();
    try (DelayingProxy slow = new DelayingProxy(leaderPort, 1500);
        DelayingProxy fast = new DelayingProxy(leaderPort, 0);
        MockWebServer rest = new MockWebServer()) {
      body.set(cluster("old", slow.port(), cluster));
      rest.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return new MockResponse.Builder().body(body.get()).build();
            }
          });
      rest.start(InetAddress.getByName("127.0.0.1"), 0);
      PatroniDataSource ds =
          new PatroniDataSource(
              "jdbc:patroni:postgresql://127.0.0.1:"
                  + slow.port()
                  + "/postgres?topologyRefreshMs=50&failoverTimeoutMs=10000&patroniUrls="
                  + "http://127.0.0.1:"
                  + rest.getPort());
      ds.setUser(PatroniCluster.SUPERUSER);
      ds.setPassword(PatroniCluster.PASSWORD);
      try (ds) {
        CompletableFuture<String> connected =
            CompletableFuture.supplyAsync(
                () -> {
                  try (Connection c = ds.getConnection()) {
                    return c.unwrap(PatroniConnection.class).memberName();
                  } catch (Exception e) {
                    return e.toString();
                  }
                });
        assertThat(slow.accepted.await(10, TimeUnit.SECONDS)).isTrue();

        body.set(cluster("new", fast.port(), cluster)); // the leader changes mid-login
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!ds.topology()
                .flatMap(ClusterTopology::leader)
                .map(ClusterMember::name)
                .orElse("")
                .equals("new")
            && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }

        assertThat(connected.get(15, TimeUnit.SECONDS)).isEqualTo("new");
      }
    }
  }
}
