package org.patronijdbc.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
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
  static final PatroniCluster CLUSTER = PatroniCluster.builder().members(3).start();

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

  @Test
  void threeSwitchoversUnderFourWritersLoseNothingAndHealthStaysUp() throws Exception {
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger onReplica = new AtomicInteger();
    AtomicInteger retried = new AtomicInteger();
    AtomicInteger recovered = new AtomicInteger();
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    List<String> healthDown = new CopyOnWriteArrayList<>();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    String run = "switchover-" + System.nanoTime() + "-";

    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      int writer = w;
      threads.add(
          start(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  String text = run + writer + "-" + i;
                  writeWithRetry(text, onReplica, retried, recovered, unexpected);
                  acknowledged.add(text);
                }
              }));
    }
    threads.add(
        start(
            () -> {
              while (!stop.get()) {
                Health p = patroniHealth.health();
                if (p.getStatus().equals(Status.DOWN)) {
                  healthDown.add("patroni: " + p.getDetails());
                }
                for (String pool : List.of("write", "read")) {
                  Health h = pool(pool);
                  if (h.getStatus().equals(Status.DOWN)) {
                    healthDown.add("db/" + pool + ": " + h.getDetails());
                  }
                }
                sleep(100);
              }
            }));

    for (int s = 0; s < 3; s++) {
      sleep(2000);
      Member candidate = CLUSTER.replicas().get(0);
      CLUSTER.switchover(candidate);
      CLUSTER.awaitHealthy(Duration.ofSeconds(90));
    }
    sleep(2000);
    stop.set(true);
    for (Thread t : threads) {
      t.join(120_000);
      assertThat(t.isAlive()).as("a writer or the health sampler hangs").isFalse();
    }

    assertThat(unexpected).as("failures Spring would not retry").isEmpty();
    assertThat(onReplica.get()).as("writes that ran on a replica").isZero();
    assertThat(healthDown).as("health samples that were DOWN").isEmpty();
    assertThat(retried.get() + recovered.get()).as("failures the switchovers caused").isPositive();
    Set<String> missing = new java.util.HashSet<>(acknowledged);
    missing.removeAll(storedGreetings(CLUSTER.leader(), run));
    assertThat(missing).as("acknowledged writes missing on the leader").isEmpty();
    System.out.printf(
        "3 switchovers, 4 writers: %d writes acknowledged, %d transient failures retried,"
            + " %d recoverable ones checked, 0 on a replica, 0 health samples DOWN%n",
        acknowledged.size(), retried.get(), recovered.get());
  }

  /**
   * What {@code @Retryable(retryFor = TransientDataAccessException.class)} does, plus the check a
   * recoverable failure (COMMIT's outcome unknown) asks for.
   */
  private void writeWithRetry(
      String text,
      AtomicInteger onReplica,
      AtomicInteger retried,
      AtomicInteger recovered,
      List<Throwable> unexpected) {
    List<RuntimeException> earlier = new ArrayList<>();
    for (int attempt = 1; attempt <= 20; attempt++) {
      try {
        if (service.save(text).inRecovery()) {
          onReplica.incrementAndGet();
        }
        return;
      } catch (TransientDataAccessException e) {
        retried.incrementAndGet();
        earlier.add(e);
      } catch (RecoverableDataAccessException e) {
        recovered.incrementAndGet();
        earlier.add(e);
        if (existsWithRetry(text)) {
          return;
        }
      } catch (RuntimeException e) {
        unexpected.add(
            new AssertionError(
                e
                    + " after "
                    + earlier.stream()
                        .map(x -> x.getClass().getSimpleName() + ": " + x.getMessage())
                        .toList(),
                e));
        return;
      }
      sleep(100);
    }
    unexpected.add(new AssertionError("20 attempts to write " + text + " failed"));
  }

  private boolean existsWithRetry(String text) {
    for (int attempt = 1; ; attempt++) {
      try {
        return service.isSaved(text);
      } catch (TransientDataAccessException e) {
        if (attempt == 20) {
          throw e;
        }
        sleep(100);
      }
    }
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

  private static Set<String> storedGreetings(Member leader, String prefix) throws Exception {
    Set<String> texts = new java.util.HashSet<>();
    try (Connection c = CLUSTER.connect(leader);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT text FROM greetings WHERE text LIKE '" + prefix + "%'")) {
      while (rs.next()) {
        texts.add(rs.getString(1));
      }
    }
    return texts;
  }

  private static Thread start(Runnable task) {
    Thread t = new Thread(task);
    t.start();
    return t;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
