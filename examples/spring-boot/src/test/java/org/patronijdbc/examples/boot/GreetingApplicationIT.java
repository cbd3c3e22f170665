package org.patronijdbc.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.patronijdbc.examples.boot.GreetingService.Counted;
import org.patronijdbc.examples.boot.GreetingService.Server;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.orm.jpa.EntityManagerHolder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The example application, configured by the URL, user and password alone, on a real three-member
 * Patroni cluster: every claim is checked on the server.
 */
@SpringBootTest
class GreetingApplicationIT {

  /** Lives until the JVM exits: longer than the application contexts Spring caches. */
  static final PatroniCluster CLUSTER = TestCluster.CLUSTER;

  @DynamicPropertySource
  static void cluster(DynamicPropertyRegistry registry) {
    CLUSTER.springBootProperties("postgres").forEach((k, v) -> registry.add(k, () -> v));
  }

  @Autowired GreetingService service;
  @Autowired MeterRegistry meters;
  @Autowired EntityManagerFactory entityManagerFactory;

  @Autowired
  @Qualifier("patroniHealthIndicator")
  HealthIndicator patroniHealth;

  @Autowired
  @Qualifier("dbHealthContributor")
  HealthContributor dbHealth;

  @Test
  void flywayAndWritesRunOnTheLeaderReadOnlyTransactionsOnReplicas() throws Exception {
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    Member leader = CLUSTER.leader();
    Set<Integer> replicas =
        CLUSTER.replicas().stream().map(Member::pgPort).collect(Collectors.toSet());

    assertThat(flywayMigrationsOn(leader)).isEqualTo(1);

    Server wrote = service.save("hello " + System.nanoTime());
    assertThat(wrote).isEqualTo(new Server(leader.pgPort(), false));

    Set<Integer> readOn = new java.util.HashSet<>();
    for (int i = 0; i < 6; i++) {
      Counted counted = service.count();
      assertThat(counted.server().inRecovery()).isTrue();
      readOn.add(counted.server().port());
    }
    assertThat(readOn).isSubsetOf(replicas).isNotEmpty();
  }

  @Test
  void openInViewAReadThenAWriteInOneRequestEachRunWhereTheyBelong() {
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    // what OpenEntityManagerInViewInterceptor does for a web request (on by default in Boot):
    // one EntityManager, and so one held JDBC connection, for every transaction of the request
    EntityManager em = entityManagerFactory.createEntityManager();
    TransactionSynchronizationManager.bindResource(
        entityManagerFactory, new EntityManagerHolder(em));
    try {
      Counted read = service.count();
      Server wrote = service.save("open-in-view " + System.nanoTime());
      Counted readAgain = service.count();
      assertThat(read.server().inRecovery()).isTrue();
      assertThat(wrote).isEqualTo(new Server(CLUSTER.leader().pgPort(), false));
      assertThat(readAgain.server().inRecovery()).isTrue();
    } finally {
      TransactionSynchronizationManager.unbindResource(entityManagerFactory);
      em.close();
    }
  }

  @Test
  void bothPoolsAreInTheMetricsAndTheHealthChecksSeeTheCluster() {
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    service.save("metrics " + System.nanoTime());
    service.count();
    String scope = CLUSTER.scope();
    Set<String> pools =
        meters.find("hikaricp.connections").gauges().stream()
            .map(g -> g.getId().getTag("pool"))
            .collect(Collectors.toSet());
    assertThat(pools).contains(scope + "-write");
    assertThat(pools).anyMatch(p -> p.startsWith(scope + "-read"));
    assertThat(meters.find("patroni.members").gauge().value()).isEqualTo(3.0);

    Health patroni = patroniHealth.health();
    assertThat(patroni.getStatus()).isEqualTo(Status.UP);
    assertThat(patroni.getDetails().get("leader")).isEqualTo(CLUSTER.leader().name());
    assertThat((Map<?, ?>) patroni.getDetails().get("members")).hasSize(3);

    Health write = pool("write");
    Health read = pool("read");
    assertThat(write.getStatus()).isEqualTo(Status.UP);
    assertThat(write.getDetails().get("inRecovery")).isEqualTo(false);
    assertThat(read.getStatus()).isEqualTo(Status.UP);
    assertThat(read.getDetails().get("inRecovery")).isEqualTo(true);
  }

  private Health pool(String name) {
    return ((HealthIndicator) ((CompositeHealthContributor) dbHealth).getContributor(name))
        .health();
  }

  private static int flywayMigrationsOn(Member leader) throws Exception {
    try (Connection c = CLUSTER.connect(leader);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM flyway_schema_history WHERE success AND version = '1'")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
