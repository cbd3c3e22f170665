package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.patronijdbc.internal.MonitorRegistry;

/**
 * The monitor keeps polling whatever its listeners do; data sources that differ in what they poll
 * or trust get monitors of their own; a short poll interval lasts only while the data source that
 * asked for it is open; and probing without Patroni is one probe for every waiting thread.
 */
class MonitorRobustnessTest {

  private final MockWebServer server = new MockWebServer();
  private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    server.close();
  }

  private void serve() throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder()
                .body(
                    "{\"scope\": \"robust\", \"members\": [{\"name\": \"n1\", \"role\": \"leader\","
                        + " \"state\": \"running\", \"host\": \"127.0.0.1\", \"port\": 1,"
                        + " \"timeline\": 1}]}")
                .build();
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  private PatroniDataSource dataSource(String params) {
    PatroniDataSource ds =
        new PatroniDataSource(
            "jdbc:patroni:postgresql://127.0.0.1:1/db?patroniUrls=http://127.0.0.1:"
                + server.getPort()
                + params);
    closing.add(ds);
    return ds;
  }

  /** GET /cluster per second over {@code ms}. */
  private double pollRate(long ms) throws InterruptedException {
    int before = server.getRequestCount();
    long start = System.nanoTime();
    Thread.sleep(ms);
    return (server.getRequestCount() - before) * 1e9 / (System.nanoTime() - start);
  }

  @Test
  void aListenerThatThrowsAnErrorDoesNotStopThePolling() throws Exception {
    serve();
    PatroniDataSource ds = dataSource("&topologyRefreshMs=100");
    AtomicInteger told = new AtomicInteger();
    ds.addTopologyListener(
        change -> {
          told.incrementAndGet();
          throw new StackOverflowError("a listener gone wrong");
        });
    ds.addTopologyListener(
        new TopologyListener() {
          @Override
          public void onTopologyChange(TopologyChange change) {}

          @Override
          public void onRestRequest(String endpoint, java.time.Duration took, boolean ok) {
            throw new OutOfMemoryError("another one");
          }
        });
    Thread.sleep(500);

    assertThat(told.get()).isPositive();
    assertThat(pollRate(1000)).isGreaterThan(5);
  }

  @Test
  void dataSourcesThatDifferInWhatTheyPollGetMonitorsOfTheirOwn() throws Exception {
    serve();
    int before = MonitorRegistry.running();
    PatroniDataSource discovering = dataSource("");
    PatroniDataSource listedOnly = dataSource("&discoverMembers=false");
    PatroniDataSource shortTimeout = dataSource("&patroniTimeoutMs=200");
    PatroniDataSource same = dataSource("&discoverMembers=false");
    for (PatroniDataSource ds : List.of(discovering, listedOnly, shortTimeout, same)) {
      ds.topology();
    }

    assertThat(MonitorRegistry.running() - before).isEqualTo(3);
  }

  @Test
  void aShortPollIntervalLastsOnlyWhileItsDataSourceIsOpen() throws Exception {
    serve();
    PatroniDataSource slow = dataSource("&topologyRefreshMs=1000");
    slow.topology();
    Thread.sleep(1500); // past the start-up's fast polling
    double slowRate = pollRate(2000);

    PatroniDataSource fast = dataSource("&topologyRefreshMs=100");
    fast.topology();
    double fastRate = pollRate(1000);
    fast.close();
    Thread.sleep(1200); // the 100 ms schedule ends with the next poll
    double afterRate = pollRate(3000);
    System.out.printf(
        "MonitorRobustnessTest: %.1f/s, with the fast data source %.1f/s, after it closed"
            + " %.1f/s%n",
        slowRate, fastRate, afterRate);

    assertThat(slowRate).isLessThan(2);
    assertThat(fastRate).isGreaterThan(6);
    assertThat(afterRate).isLessThan(2);
  }

  @Test
  void withoutPatroniTwoHundredWaitingThreadsShareOneProbe() throws Exception {
    // three hung hosts: they accept TCP and never answer; no REST API at all
    List<ServerSocket> hung = new ArrayList<>();
    AtomicInteger logins = new AtomicInteger();
    List<Socket> held = new CopyOnWriteArrayList<>();
    StringBuilder hosts = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      ServerSocket s = new ServerSocket(0, 1000, InetAddress.getByName("127.0.0.1"));
      hung.add(s);
      closing.add(s);
      hosts.append(i == 0 ? "" : ",").append("127.0.0.1:").append(s.getLocalPort());
      Thread acceptor =
          new Thread(
              () -> {
                while (!s.isClosed()) {
                  try {
                    held.add(s.accept());
                    logins.incrementAndGet();
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
    }
    ServerSocket closedRest = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    int restPort = closedRest.getLocalPort();
    closedRest.close(); // connection refused
    PatroniDataSource ds =
        new PatroniDataSource(
            "jdbc:patroni:postgresql://"
                + hosts
                + "/db?sslmode=disable&failoverTimeoutMs=2000&patroniUrls=http://127.0.0.1:"
                + restPort);
    closing.add(ds);
    ds.setUser("app");
    ds.topology(); // the monitor starts and finds no REST API
    Thread.sleep(300);

    ExecutorService pool = Executors.newFixedThreadPool(200);
    long start = System.nanoTime();
    List<Future<?>> waits = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      waits.add(
          pool.submit(
              () -> {
                try {
                  ds.getConnection().close();
                } catch (SQLException expected) {
                  // 08001 once failoverTimeoutMs has passed
                }
                return null;
              }));
    }
    for (Future<?> w : waits) {
      w.get(30, TimeUnit.SECONDS);
    }
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    pool.shutdownNow();
    for (Socket s : held) {
      s.close();
    }
    System.out.printf(
        "MonitorRobustnessTest: 200 threads, 3 hung hosts, no REST API: %d logins, done in %d"
            + " ms%n",
        logins.get(), tookMs);

    // one probe (three logins, side by side) per topologyRefreshMs, not one per thread
    assertThat(logins.get()).isLessThanOrEqualTo(9);
    assertThat(tookMs).isLessThan(2000 + 2000);
  }
}
