package org.patronijdbc.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.internal.TopologyTrustTest;
import org.postgresql.ds.PGSimpleDataSource;

/** The meters follow what the monitor reads, from its listener API. */
class PatroniMetricsTest {

  @Test
  void metersFollowTheTopology() throws Exception {
    AtomicReference<String> body =
        new AtomicReference<>(TopologyTrustTest.cluster("demo", "n1", 1));
    try (MockWebServer rest = new MockWebServer()) {
      rest.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return new MockResponse.Builder().body(body.get()).build();
            }
          });
      rest.start(InetAddress.getByName("127.0.0.1"), 0);
      try (PatroniDataSource ds =
          new PatroniDataSource(
              "jdbc:patroni:postgresql://127.0.0.1:5432/db?topologyRefreshMs=50&patroniUrls=http://127.0.0.1:"
                  + rest.getPort())) {
        await(() -> topologyKnown(ds));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PatroniMetrics metrics = new PatroniMetrics(ds)) {
          metrics.bindTo(registry);
          assertThat(registry.get("patroni.members").tag("scope", "demo").gauge().value())
              .isEqualTo(2.0);
          assertThat(registry.get("patroni.members.readable").gauge().value()).isEqualTo(1.0);
          assertThat(registry.get("patroni.leader.present").gauge().value()).isEqualTo(1.0);
          await(
              () ->
                  registry.find("patroni.rest.requests").tag("outcome", "answered").timer()
                      != null);

          body.set(TopologyTrustTest.cluster("demo", "n2", 2)); // n2 promoted
          await(() -> registry.get("patroni.leader.changes").counter().count() == 1.0);
        }
      }
    }
  }

  @Test
  void onlyPatroniDataSourcesHaveThem() {
    assertThatThrownBy(() -> new PatroniMetrics(new PGSimpleDataSource()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static boolean topologyKnown(PatroniDataSource ds) {
    try {
      return ds.topology().isPresent();
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
