package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.ContainerPatroniCluster;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.postgresql.PGConnection;

/**
 * Whatever PostgreSQL and Patroni the container cluster's base image brings ({@code
 * $PATRONI_TESTKIT_BASE_IMAGE}: {@code debian:trixie} for PostgreSQL 17 and Patroni 4.0, {@code
 * debian:sid} for PostgreSQL 18 and Patroni 4.1), in synchronous mode, through a switchover and
 * then the leader's isolation from etcd and the other members, under four writers and a reader: no
 * acknowledged write lost, none sent to a replica (25006), reads on replicas once settled. Also
 * what the library relies on at login: {@code in_hot_standby} reported by the server (the role
 * check) and a SCRAM login.
 */
@PatroniTest(containers = true, synchronousMode = true, isolated = true)
class NewPostgresIT {

  private static final Duration GENEROUS = Duration.ofSeconds(120);

  private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
  private final AtomicInteger onReplica = new AtomicInteger();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);

  @Test
  void aSwitchoverAndAnIsolationLoseNoAcknowledgedWriteAndSendNoneToAReplica(
      ContainerPatroniCluster cluster) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(cluster.jdbcUrl("postgres"));
    config.setUsername(PatroniCluster.SUPERUSER);
    config.setPassword(PatroniCluster.PASSWORD);
    config.setMaximumPoolSize(4);
    try (PatroniHikariDataSource ds = new PatroniHikariDataSource(config)) {
      String version;
      String auth;
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS new_postgres_writes");
        s.execute("CREATE TABLE new_postgres_writes (id bigint PRIMARY KEY)");
        version = c.unwrap(PGConnection.class).getParameterStatus("server_version");
        String image = System.getenv("PATRONI_TESTKIT_BASE_IMAGE");
        if (image != null && !image.isBlank() && !image.endsWith(":bookworm")) {
          assertThat(Integer.parseInt(version.replaceAll("[^0-9].*", "")))
              .as("PostgreSQL on " + image)
              .isGreaterThanOrEqualTo(17);
        }
        assertThat(c.unwrap(PGConnection.class).getParameterStatus("in_hot_standby"))
            .isEqualTo("off");
        try (ResultSet rs =
            s.executeQuery(
                "SELECT current_setting('password_encryption'),"
                    + " split_part(coalesce(rolpassword, 'none'), '$', 1)"
                    + " FROM pg_authid WHERE rolname = current_user")) {
          rs.next();
          auth = rs.getString(1) + ", verifier " + rs.getString(2).replaceAll("^md5.*", "md5");
        }
      }
      try (Connection c = ds.readOnly().getConnection()) {
        assertThat(c.unwrap(PGConnection.class).getParameterStatus("in_hot_standby"))
            .as("a replica reports in_hot_standby at login")
            .isEqualTo("on");
      }

      Thread[] writers = new Thread[4];
      for (int i = 0; i < writers.length; i++) {
        writers[i] = new Thread(() -> write(ds), "new-postgres-writer-" + i);
        writers[i].start();
      }
      Thread.sleep(2000);
      Member first = cluster.leader();
      // in synchronous mode Patroni (4.1) switches over only to the synchronous standby
      Member candidate =
          cluster.replicas().stream()
              .filter(m -> "sync_standby".equals(m.role()))
              .findFirst()
              .orElse(cluster.replicas().get(0));
      cluster.switchover(candidate);
      cluster.awaitHealthy(GENEROUS);
      Thread.sleep(2000);
      int afterSwitchover = acknowledged.size();

      Member second = cluster.leader();
      cluster.isolate(second);
      Member third = cluster.awaitNewLeader(second, GENEROUS);
      Thread.sleep(10_000);
      running.set(false);
      for (Thread t : writers) {
        t.join(Duration.ofSeconds(60).toMillis());
        assertThat(t.isAlive()).as(t.getName() + " still blocked").isFalse();
      }

      Set<Long> stored = ids(cluster, third);
      Set<Long> lost = new HashSet<>(acknowledged);
      lost.removeAll(stored);
      // the remaining replica serves reads once Patroni reports it on the new leader's timeline
      int readsOnReplicas = 0;
      long readsSettledMs = -1;
      long readsFrom = System.nanoTime();
      while (readsOnReplicas < 5 && System.nanoTime() - readsFrom < GENEROUS.toNanos()) {
        try (Connection c = ds.readOnly().getConnection();
            Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
          rs.next();
          readsOnReplicas += rs.getBoolean(1) ? 1 : 0;
        }
        if (readsOnReplicas == 0) {
          Thread.sleep(100);
        } else if (readsSettledMs < 0) {
          readsSettledMs = (System.nanoTime() - readsFrom) / 1_000_000;
        }
      }
      System.out.printf(
          "NewPostgresIT: PostgreSQL %s (password_encryption %s); switchover %s -> %s, then %s isolated -> %s:"
              + " %d writes acknowledged (%d by the switchover's end), %d lost, %d sent to a"
              + " replica; reads back on the remaining replica %d ms after the writers stopped"
              + " (one member stays isolated); errors %s%n",
          version,
          auth,
          first.name(),
          second.name(),
          second.name(),
          third.name(),
          acknowledged.size(),
          afterSwitchover,
          lost.size(),
          onReplica.get(),
          readsSettledMs,
          errors.stream().distinct().limit(5).toList());
      assertThat(lost).as("acknowledged writes lost").isEmpty();
      assertThat(onReplica.get()).as("writes sent to a replica (25006)").isZero();
      assertThat(acknowledged.size()).isGreaterThan(afterSwitchover);
      assertThat(readsOnReplicas).as("reads on the remaining replica").isPositive();
    } finally {
      running.set(false);
    }
  }

  private void write(PatroniHikariDataSource ds) {
    while (running.get()) {
      long id = ids.incrementAndGet();
      try (Connection c = ds.getConnection();
          PreparedStatement ps =
              c.prepareStatement("INSERT INTO new_postgres_writes (id) VALUES (?)")) {
        c.setNetworkTimeout(Runnable::run, 15_000);
        ps.setLong(1, id);
        ps.executeUpdate();
        acknowledged.add(id);
      } catch (SQLException e) {
        if ("25006".equals(e.getSQLState())) {
          onReplica.incrementAndGet();
        }
        errors.add(e.getSQLState() + " " + e.getClass().getSimpleName());
        sleep(50);
      }
    }
  }

  private static Set<Long> ids(ContainerPatroniCluster cluster, Member leader) throws Exception {
    Set<Long> ids = new HashSet<>();
    try (Connection c = cluster.connect(leader);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM new_postgres_writes")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
