package org.patronijdbc.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example application through three switchovers under four writers, as it runs: on its web
 * server, its health read over HTTP the way a load balancer or Kubernetes reads it. The same class
 * runs on each Spring Boot line the project ships a starter for (only Spring Framework and JDK
 * classes in it): no acknowledged write may be lost, none may run on a replica, and health must
 * never be DOWN.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "management.endpoint.health.show-details=always")
class SwitchoverIT {

  static final PatroniCluster CLUSTER = TestCluster.CLUSTER;

  @DynamicPropertySource
  static void cluster(DynamicPropertyRegistry registry) {
    CLUSTER.springBootProperties("postgres").forEach((k, v) -> registry.add(k, () -> v));
  }

  @Autowired GreetingService service;
  @Autowired Environment environment;

  @Test
  void threeSwitchoversUnderFourWritersLoseNothingAndHealthStaysUp() throws Exception {
    CLUSTER.awaitHealthy(Duration.ofSeconds(60));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI health =
        URI.create(
            "http://127.0.0.1:"
                + environment.getProperty("local.server.port")
                + "/actuator/health");
    assertThat(status(http, health).statusCode())
        .as("health before the switchovers")
        .isEqualTo(200);

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger onReplica = new AtomicInteger();
    AtomicInteger retried = new AtomicInteger();
    AtomicInteger recovered = new AtomicInteger();
    AtomicInteger healthSamples = new AtomicInteger();
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
                  if (writeWithRetry(text, onReplica, retried, recovered, unexpected)) {
                    acknowledged.add(text);
                  }
                }
              }));
    }
    threads.add(
        start(
            () -> {
              while (!stop.get()) {
                try {
                  HttpResponse<String> h = status(http, health);
                  healthSamples.incrementAndGet();
                  if (h.statusCode() != 200) {
                    healthDown.add(h.statusCode() + " " + h.body());
                  }
                } catch (Exception e) {
                  healthDown.add("no answer: " + e);
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
    assertThat(healthDown).as("health answers that were not UP").isEmpty();
    assertThat(retried.get() + recovered.get()).as("failures the switchovers caused").isPositive();
    Set<String> missing = new HashSet<>(acknowledged);
    missing.removeAll(storedGreetings(CLUSTER.leader(), run));
    assertThat(missing).as("acknowledged writes missing on the leader").isEmpty();
    System.out.printf(
        "SwitchoverIT (%s): 3 switchovers, 4 writers: %d writes acknowledged, 0 lost,"
            + " %d transient failures retried, %d recoverable ones checked, 0 on a replica,"
            + " %d health answers over HTTP, 0 not UP%n",
        org.springframework.boot.SpringBootVersion.getVersion(),
        acknowledged.size(),
        retried.get(),
        recovered.get(),
        healthSamples.get());
  }

  private static HttpResponse<String> status(HttpClient http, URI health) throws Exception {
    return http.send(
        HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * What {@code @Retryable(retryFor = TransientDataAccessException.class)} does, plus the check a
   * recoverable failure (COMMIT's outcome unknown) asks for. Whether the write was acknowledged.
   */
  private boolean writeWithRetry(
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
        return true;
      } catch (TransientDataAccessException e) {
        retried.incrementAndGet();
        earlier.add(e);
      } catch (RecoverableDataAccessException e) {
        recovered.incrementAndGet();
        earlier.add(e);
        if (existsWithRetry(text)) {
          return true;
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
        return false;
      }
      sleep(100);
    }
    unexpected.add(new AssertionError("20 attempts to write " + text + " failed"));
    return false;
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

  private static Set<String> storedGreetings(Member leader, String prefix) throws Exception {
    Set<String> texts = new HashSet<>();
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
