package org.patronijdbc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@code db} check during and after what looks like a failover: a pool that gives no connection
 * within the bound is UNKNOWN while that has lasted less than the failover timeout, and DOWN after;
 * each answer comes within the bound.
 */
class PoolHealthCheckTest {

  @Test
  void aPoolThatGivesNoConnectionIsUnknownThenDownOnceTheFailoverTimeoutPassed() throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/nothing-listens-here");
    config.setInitializationFailTimeout(-1);
    config.setConnectionTimeout(250);
    config.setPoolName("health-test");
    try (HikariDataSource pool = new HikariDataSource(config)) {
      PoolHealthCheck check =
          new PoolHealthCheck(
              () -> List.of(pool),
              Optional::empty,
              false,
              Duration.ofMillis(400),
              Duration.ofMillis(1500));
      long started = System.nanoTime();
      HealthReport during = check.check();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      assertThat(during.status()).isEqualTo(HealthReport.UNKNOWN);
      assertThat(during.details().get("state").toString()).contains("failover in progress?");

      Thread.sleep(1700);
      HealthReport after = check.check();
      assertThat(after.status()).isEqualTo(HealthReport.DOWN);
    }
  }
}
