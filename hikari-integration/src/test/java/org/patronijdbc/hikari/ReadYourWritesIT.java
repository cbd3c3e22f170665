package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.patronijdbc.ReadScope;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * Reads that see the writes before them: a row inserted through the write side is read back at once
 * through {@code readOnly()}, and the server that answered says whether it had the row. Zero stale
 * reads is the bar, with most reads still on replicas.
 */
@PatroniTest
class ReadYourWritesIT {

  private static final AtomicLong ids = new AtomicLong(System.currentTimeMillis() * 1000);

  /** The outcome of pairs of insert-then-read. */
  record Tally(long pairs, long stale, long onReplicas, long failed) {
    double replicaShare() {
      return pairs == 0 ? 0 : (double) onReplicas / pairs;
    }
  }

  private static PatroniHikariDataSource dataSource(PatroniCluster cluster, String... params) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(cluster.jdbcUrl("postgres", params));
    config.setUsername(PatroniCluster.SUPERUSER);
    config.setPassword(PatroniCluster.PASSWORD);
    config.setMaximumPoolSize(4);
    return new PatroniHikariDataSource(config);
  }

  @BeforeEach
  void table(PatroniCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS ryw (id bigint PRIMARY KEY)");
    }
  }

  private static long insert(DataSource writes) throws SQLException {
    long id = ids.incrementAndGet();
    try (Connection c = writes.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO ryw VALUES (?)")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
    return id;
  }

  /** Reads {@code id} back: {found, in recovery}. */
  private static boolean[] read(DataSource reads, long id) throws SQLException {
    try (Connection c = reads.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) = 1, pg_is_in_recovery() FROM ryw WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new boolean[] {rs.getBoolean(1), rs.getBoolean(2)};
      }
    }
  }

  /** {@code pairs} inserts, each read back at once on this thread. */
  private static Tally pairs(PatroniHikariDataSource ds, int pairs) {
    long stale = 0;
    long onReplicas = 0;
    long failed = 0;
    for (int i = 0; i < pairs; i++) {
      try {
        boolean[] r = read(ds.readOnly(), insert(ds));
        stale += r[0] ? 0 : 1;
        onReplicas += r[1] ? 1 : 0;
      } catch (SQLException e) {
        failed++;
      }
    }
    return new Tally(pairs, stale, onReplicas, failed);
  }

  @Test
  void withThreadScopeTenThousandPairsReadTheirWritesMostlyOnReplicas(PatroniCluster cluster)
      throws Exception {
    Tally off;
    try (PatroniHikariDataSource ds = dataSource(cluster)) {
      off = pairs(ds, 2000);
    }
    Tally on;
    try (PatroniHikariDataSource ds = dataSource(cluster, "readYourWrites=thread")) {
      on = pairs(ds, 10_000);
    }
    System.out.printf(
        "ReadYourWritesIT: off: %d of %d stale (%.1f %%), %.1f %% on replicas;"
            + " thread: %d of %d stale, %.1f %% on replicas, %d failed%n",
        off.stale(),
        off.pairs(),
        100.0 * off.stale() / off.pairs(),
        100 * off.replicaShare(),
        on.stale(),
        on.pairs(),
        100 * on.replicaShare(),
        on.failed());

    assertThat(on.stale()).isZero();
    assertThat(on.failed()).isZero();
    assertThat(on.replicaShare()).isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void withDataSourceScopeEveryReadSeesEveryCommitBeforeItBegan(PatroniCluster cluster)
      throws Exception {
    try (PatroniHikariDataSource ds = dataSource(cluster, "readYourWrites=dataSource")) {
      AtomicLong lastCommitted = new AtomicLong();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong stale = new AtomicLong();
      AtomicLong reads = new AtomicLong();
      AtomicLong onReplicas = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        work.add(
            pool.submit(
                () -> {
                  while (running.get()) {
                    long id = insert(ds);
                    lastCommitted.accumulateAndGet(id, Math::max);
                  }
                  return null;
                }));
        work.add(
            pool.submit(
                () -> {
                  while (running.get()) {
                    long id = lastCommitted.get(); // committed before this read began
                    if (id == 0) {
                      continue;
                    }
                    boolean[] r = read(ds.readOnly(), id);
                    reads.incrementAndGet();
                    stale.addAndGet(r[0] ? 0 : 1);
                    onReplicas.addAndGet(r[1] ? 1 : 0);
                  }
                  return null;
                }));
      }
      Thread.sleep(10_000);
      running.set(false);
      for (Future<?> f : work) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      System.out.printf(
          "ReadYourWritesIT: dataSource, 4 writers and 4 readers: %d reads, %d stale, %.1f %% on"
              + " replicas%n",
          reads.get(), stale.get(), 100.0 * onReplicas.get() / Math.max(1, reads.get()));

      assertThat(reads.get()).isGreaterThan(100);
      assertThat(stale.get()).isZero();
    }
  }

  @Test
  void aReplicaThatReplaysNothingIsSkippedAndWithNoneTheLeaderServesAfterTheTimeout(
      PatroniCluster cluster) throws Exception {
    List<Member> replicas = cluster.replicas();
    try (PatroniHikariDataSource ds = dataSource(cluster, "readYourWrites=thread")) {
      cluster.pauseReplication(replicas.get(0));
      Tally oneBehind = pairs(ds, 300);
      cluster.pauseReplication(replicas.get(1));
      long start = System.nanoTime();
      Tally bothBehind = pairs(ds, 5);
      long perReadMs = (System.nanoTime() - start) / 5 / 1_000_000;
      cluster.resumeReplication(replicas.get(0));
      cluster.resumeReplication(replicas.get(1));
      System.out.printf(
          "ReadYourWritesIT: one replica paused: %d stale, %.1f %% on replicas; both paused: %d"
              + " stale, %d on replicas, %d ms per pair%n",
          oneBehind.stale(),
          100 * oneBehind.replicaShare(),
          bothBehind.stale(),
          bothBehind.onReplicas(),
          perReadMs);

      assertThat(oneBehind.stale()).isZero();
      assertThat(oneBehind.replicaShare()).isGreaterThan(0.5); // the other replica serves them
      assertThat(bothBehind.stale()).isZero();
      assertThat(bothBehind.onReplicas()).isZero(); // the leader, after readYourWritesTimeoutMs
      assertThat(perReadMs).isBetween(900L, 5000L);
    } finally {
      cluster.restoreHealth(Duration.ofMinutes(2));
    }
  }

  @Test
  void throughASwitchoverNoReadIsStaleAndWritesGoOn(PatroniCluster cluster) throws Exception {
    try (PatroniHikariDataSource ds = dataSource(cluster, "readYourWrites=thread")) {
      CompletableFuture<Tally> load = CompletableFuture.supplyAsync(() -> pairs(ds, 6000));
      Thread.sleep(1500);
      cluster.switchover(cluster.replicas().get(0));
      Tally t = load.get(5, TimeUnit.MINUTES);
      System.out.printf(
          "ReadYourWritesIT: through a switchover: %d pairs, %d stale, %d failed, %.1f %% on"
              + " replicas%n",
          t.pairs(), t.stale(), t.failed(), 100 * t.replicaShare());

      assertThat(t.stale()).isZero();
      assertThat(t.failed()).isLessThan(t.pairs() / 10); // those the switchover cut
    }
  }

  @Test
  void aTokenCarriedToAnotherThreadReadsTheWriteThere(PatroniCluster cluster) throws Exception {
    try (PatroniHikariDataSource ds = dataSource(cluster, "readYourWrites=thread")) {
      ExecutorService other = Executors.newSingleThreadExecutor();
      long stale = 0;
      long onReplicas = 0;
      for (int i = 0; i < 1000; i++) {
        long id = insert(ds);
        String token = ds.readPosition();
        boolean[] r =
            other
                .submit(
                    () -> {
                      try (ReadScope after = ds.readAfter(token)) {
                        return read(ds.readOnly(), id);
                      }
                    })
                .get(30, TimeUnit.SECONDS);
        stale += r[0] ? 0 : 1;
        onReplicas += r[1] ? 1 : 0;
      }
      other.shutdown();
      System.out.printf(
          "ReadYourWritesIT: a token carried to another thread: %d stale of 1000, %d on"
              + " replicas%n",
          stale, onReplicas);

      assertThat(stale).isZero();
      assertThat(onReplicas).isGreaterThan(500);
    }
  }

  @Test
  void aTokenAheadOfTheLeaderCostsOneTimeoutNotOnePerRead(PatroniCluster cluster) throws Exception {
    try (PatroniHikariDataSource ds = dataSource(cluster, "readYourWrites=thread")) {
      long id = insert(ds);
      long start = System.nanoTime();
      long onReplicas = 0;
      // far ahead of any leader (forged, or from another cluster)
      try (ReadScope after = ds.readAfter("pjrw1:7000000000000000")) {
        for (int i = 0; i < 50; i++) {
          onReplicas += read(ds.readOnly(), id)[1] ? 1 : 0;
        }
      }
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      System.out.printf(
          "ReadYourWritesIT: a forged token: 50 reads in %d ms, %d on replicas%n",
          tookMs, onReplicas);

      assertThat(tookMs).isLessThan(5000);
      assertThat(onReplicas).isGreaterThan(40);

      // a token that names no WAL position at all, or the library's own "leader only" mark, and
      // one that holds reads on the leader for a day: the first two are ignored, the third is
      // bounded to the 10 s a commit of unknown position costs
      for (String forged :
          List.of(
              "pjrw1:7fffffffffffffff",
              "pjrw1:ffffffffffffffff",
              "pjrw1:0:" + Long.toHexString(System.currentTimeMillis() + 86_400_000L))) {
        long took = System.nanoTime();
        int replicas = 0;
        try (ReadScope after = ds.readAfter(forged)) {
          for (int i = 0; i < 20; i++) {
            replicas += read(ds.readOnly(), id)[1] ? 1 : 0;
          }
        }
        System.out.printf(
            "ReadYourWritesIT: token %s: 20 reads in %d ms, %d on replicas%n",
            forged, (System.nanoTime() - took) / 1_000_000, replicas);
        if (forged.contains("0:")) {
          assertThat(replicas).as(forged).isZero(); // within its (bounded) 10 s
        } else {
          assertThat(replicas).as(forged).isGreaterThan(15);
        }
      }
    }
  }
}
