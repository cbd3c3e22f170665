package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.sql.SQLException;
import java.util.Properties;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.patronijdbc.internal.MonitorRegistry;
import org.patronijdbc.internal.PatroniConfig;

/**
 * A write on a read connection (25006) is the caller's error: the connection stays and the topology
 * is not read again for it. On the write pool the same error means a demoted leader.
 */
class ExceptionOverrideTest {

  @Test
  void aReadOnlyTransactionErrorIsARoleChangeOnlyOnTheWritePool() throws Exception {
    try (MockWebServer rest = new MockWebServer()) {
      rest.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return new MockResponse.Builder()
                  .body(
                      "{\"scope\": \"o\", \"members\": [{\"name\": \"n1\", \"role\": \"leader\","
                          + " \"state\": \"running\", \"host\": \"127.0.0.1\", \"port\": 1}]}")
                  .build();
            }
          });
      rest.start(InetAddress.getByName("127.0.0.1"), 0);
      PatroniConfig config =
          PatroniConfig.parse(
              "jdbc:patroni:postgresql://127.0.0.1:1/db?topologyRefreshMs=5000"
                  + "&patroniUrls=http://127.0.0.1:"
                  + rest.getPort(),
              new Properties());
      try (MonitorRegistry.Lease lease = MonitorRegistry.acquire(config)) {
        Thread.sleep(1000); // past the start-up's fast polls: the next is 5 s away
        PatroniExceptionOverride reads = new PatroniExceptionOverride(lease.monitor(), false);
        PatroniExceptionOverride writes = new PatroniExceptionOverride(lease.monitor(), true);
        SQLException readOnly = new SQLException("cannot execute INSERT", "25006");

        int before = rest.getRequestCount();
        for (int i = 0; i < 50; i++) {
          assertThat(reads.adjudicate(readOnly).name()).isEqualTo("CONTINUE_EVICT");
        }
        Thread.sleep(500);
        int afterReads = rest.getRequestCount();

        String onWritePool = writes.adjudicate(readOnly).name();
        Thread.sleep(500);
        int afterWrite = rest.getRequestCount();

        assertThat(afterReads)
            .as("REST requests for 50 writes on read connections")
            .isEqualTo(before);
        assertThat(afterWrite)
            .as("a demoted leader is looked for at once")
            .isGreaterThan(afterReads);
        // HikariCP 6+ evicts it; 5.1 has only its own decision
        boolean canEvict =
            java.util.Arrays.stream(com.zaxxer.hikari.SQLExceptionOverride.Override.values())
                .anyMatch(o -> o.name().equals("MUST_EVICT"));
        assertThat(onWritePool).isEqualTo(canEvict ? "MUST_EVICT" : "CONTINUE_EVICT");
      }
    }
  }
}
