package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.patronijdbc.internal.MonitorRegistry;

/** Threads and memory stay flat over many data sources and many topology changes. */
class ResourceBoundsTest {

  private final MockWebServer server = new MockWebServer();
  private final AtomicInteger answers = new AtomicInteger();

  /** Every answer names the other member as leader: a topology change per poll. */
  @BeforeEach
  void start() throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            boolean odd = answers.incrementAndGet() % 2 == 1;
            String body =
                "{\"scope\": \"bounds\", \"members\": ["
                    + member("n1", odd ? "leader" : "replica")
                    + ", "
                    + member("n2", odd ? "replica" : "leader")
                    + "]}";
            return new MockResponse.Builder().body(body).build();
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  private static String member(String name, String role) {
    return "{\"name\": \""
        + name
        + "\", \"role\": \""
        + role
        + "\", \"state\": \"running\","
        + " \"host\": \"127.0.0.1\", \"port\": 1, \"lag\": 0, \"timeline\": 1}";
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void threadsAndMemoryStayFlatOverManyDataSourcesAndTopologyChanges() throws Exception {
    String url =
        "jdbc:patroni:postgresql://127.0.0.1:1/db?topologyRefreshMs=10&patroniUrls=http://127.0.0.1:"
            + server.getPort();
    // DriverManager users elsewhere in this JVM keep their monitors: count from here
    int monitorsBefore = MonitorRegistry.running();
    cycle(url, 20, monitorsBefore); // warm up class loading and the HTTP client
    long ownBefore = threads("patroni-jdbc");
    long otherBefore = threads("");
    long memoryBefore = usedMemoryAfterGc();

    cycle(url, 300, monitorsBefore);

    assertThat(answers.get()).as("topology changes seen").isGreaterThan(300);
    assertThat(MonitorRegistry.running()).isEqualTo(monitorsBefore);
    Thread.sleep(300);
    // the library's own threads do not grow (a monitor of an earlier test may still be stopping);
    // OkHttp's task runner is one shared pool whose idle threads linger up to a minute: bounded
    assertThat(threads("patroni-jdbc")).isLessThanOrEqualTo(ownBefore);
    assertThat(threads("OkHttp")).isLessThanOrEqualTo(8);
    assertThat(threads("")).as(allThreads()).isLessThanOrEqualTo(otherBefore + 2);
    assertThat(usedMemoryAfterGc() - memoryBefore).isLessThan(16L << 20);
  }

  /** {@code n} rounds of two data sources on one cluster: one monitor, stopped with the last. */
  private static void cycle(String url, int n, int monitorsBefore) throws Exception {
    for (int i = 0; i < n; i++) {
      PatroniDataSource a = new PatroniDataSource(url);
      PatroniDataSource b = new PatroniDataSource(url + "&targetServerType=replica");
      a.addTopologyListener(e -> {});
      b.topology();
      Thread.sleep(5);
      assertThat(MonitorRegistry.running()).isEqualTo(monitorsBefore + 1);
      a.close();
      b.close();
    }
  }

  /**
   * Live threads whose name starts with {@code prefix}; "" counts all but OkHttp's and
   * MockWebServer's.
   */
  private static long threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(
            n ->
                prefix.isEmpty()
                    ? !n.startsWith("OkHttp") && !n.startsWith("MockWebServer")
                    : n.startsWith(prefix))
        .count();
  }

  private static String allThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .sorted()
        .toList()
        .toString();
  }

  private static long usedMemoryAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
