package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Properties;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.patronijdbc.PatroniDataSource;

class MonitorRegistryTest {

  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            try {
              return new MockResponse.Builder()
                  .body(ClusterJsonReaderTest.fixture("cluster-3.0.2.json"))
                  .build();
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static long monitorThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("patroni-jdbc-monitor-") && t.isAlive())
        .count();
  }

  @Test
  void oneMonitorThreadPerClusterHoweverManyDataSourcesAndItStopsWithTheLast() throws Exception {
    String urls = "patroniUrls=http://127.0.0.1:" + server.getPort();
    long before = monitorThreads();
    PatroniDataSource a =
        new PatroniDataSource("jdbc:patroni:postgresql://127.0.0.1:1,127.0.0.1:2/db?" + urls);
    PatroniDataSource b =
        new PatroniDataSource(
            "jdbc:patroni:postgresql://127.0.0.1:2,127.0.0.1:1/other?targetServerType=replica&"
                + urls);

    a.topology();
    b.topology();
    Thread.sleep(300);

    assertThat(monitorThreads() - before).isEqualTo(1);
    assertThat(a.topology()).isPresent();
    assertThat(b.topology()).isEqualTo(a.topology());

    a.close();
    assertThat(monitorThreads() - before).isEqualTo(1);
    b.close();
    Thread.sleep(200);
    assertThat(monitorThreads() - before).isZero();
  }

  @Test
  void pollsOneMemberPerInterval() throws Exception {
    PatroniConfig config =
        PatroniConfig.parse(
            "jdbc:patroni:postgresql://127.0.0.1:1/db?topologyRefreshMs=100&discoverMembers=false&patroniUrls=http://127.0.0.1:"
                + server.getPort(),
            new Properties());
    MonitorRegistry.Lease monitor = MonitorRegistry.acquire(config);
    try {
      Thread.sleep(500); // past the start-up fast polling: the leader is stable after 3 polls
      int before = server.getRequestCount();
      Thread.sleep(1000);
      int perSecond = server.getRequestCount() - before;
      assertThat(perSecond).isBetween(8, 12);
    } finally {
      monitor.close();
    }
  }
}
