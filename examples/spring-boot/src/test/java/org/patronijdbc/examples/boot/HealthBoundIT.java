package org.patronijdbc.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The {@code db} health check answers within its own bound ({@code patroni.health.timeout}, 2 s)
 * while the leader is frozen, where it used to wait the pool's connection timeout (30 s): a
 * Kubernetes probe (1 s by default, retried) keeps getting answers during a failover.
 */
class HealthBoundIT {

  @Test
  void theDbHealthCheckAnswersWithinItsBoundWhileTheLeaderIsFrozen() throws Exception {
    PatroniCluster cluster = TestCluster.CLUSTER;
    cluster.awaitHealthy(Duration.ofSeconds(60));
    Map<String, Object> props = new java.util.LinkedHashMap<>();
    cluster.springBootProperties("postgres").forEach(props::put);
    props.put("spring.main.web-application-type", "none");
    Member leader = cluster.leader();
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(GreetingApplication.class).run(TestCluster.args(props))) {
      HealthIndicator write =
          (HealthIndicator)
              ((CompositeHealthContributor) app.getBean("dbHealthContributor"))
                  .getContributor("write");
      assertThat(write.health().getStatus().getCode()).isEqualTo("UP");
      app.getBean(GreetingService.class).save("before the freeze " + System.nanoTime());

      cluster.freeze(leader);
      long worstMs = 0;
      String statuses = "";
      try {
        for (int i = 0; i < 8; i++) {
          long start = System.nanoTime();
          Health h = write.health();
          worstMs = Math.max(worstMs, (System.nanoTime() - start) / 1_000_000);
          statuses += h.getStatus().getCode() + " ";
          Thread.sleep(500);
        }
      } finally {
        cluster.thaw(leader);
      }
      System.out.printf(
          "HealthBoundIT: leader frozen: db write health %s, the slowest answer %d ms%n",
          statuses.trim(), worstMs);

      assertThat(worstMs).isLessThan(3000);
    } finally {
      cluster.restoreHealth(Duration.ofMinutes(2));
    }
  }
}
