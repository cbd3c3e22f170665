package org.patronijdbc.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * Patroni's own gap in a failover, the physical limit no client can beat: on every member a thread
 * with a direct connection writes every few milliseconds wherever PostgreSQL takes a write (a
 * function that writes only outside recovery, so replicas answer without an error), and the longest
 * time without any member taking one is the gap, from the old leader's last write to the new
 * leader's first.
 */
final class Probe implements AutoCloseable {

  private static final long PAUSE_MS = 5;

  private final ConcurrentLinkedQueue<Long> written = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  Probe(PatroniCluster cluster) {
    for (Member m : cluster.members()) {
      Thread t = new Thread(() -> loop(m), "probe-" + m.name());
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  /** Creates the probe's function on the leader (it replicates to every member). */
  static void install(Connection leader) throws SQLException {
    try (Statement s = leader.createStatement()) {
      s.execute(
          "CREATE OR REPLACE FUNCTION bench_probe(probe_id bigint) RETURNS boolean"
              + " LANGUAGE plpgsql AS $$BEGIN IF pg_is_in_recovery() THEN RETURN false; END IF;"
              + " INSERT INTO bench (id) VALUES (probe_id); RETURN true; END$$");
    }
  }

  private void loop(Member member) {
    Properties props = new Properties();
    props.setProperty("user", PatroniCluster.SUPERUSER);
    props.setProperty("password", PatroniCluster.PASSWORD);
    // a frozen member holds this thread for a second at most, the others go on
    props.setProperty("connectTimeout", "1");
    props.setProperty("socketTimeout", "1");
    props.setProperty("loginTimeout", "2");
    props.setProperty("sslmode", "disable");
    String url = "jdbc:postgresql://" + member.host() + ":" + member.pgPort() + "/postgres";
    Connection c = null;
    while (running.get()) {
      try {
        if (c == null) {
          c = DriverManager.getConnection(url, props);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT bench_probe(?)")) {
          ps.setLong(1, Load.nextId());
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next() && rs.getBoolean(1)) {
              written.add(System.nanoTime());
            }
          }
        }
      } catch (SQLException e) {
        if (!"25006".equals(e.getSQLState())) { // promoted under the call: keep the session
          close(c);
          c = null;
        }
      }
      try {
        Thread.sleep(PAUSE_MS);
      } catch (InterruptedException e) {
        break;
      }
    }
    close(c);
  }

  /** The longest time in milliseconds in {@code [from, to]} in which no member took a write. */
  long gapMs(long from, long to) {
    return Load.longestGapMs(
        written.stream().filter(t -> t >= from && t <= to).sorted().toList(), from, to);
  }

  private static void close(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // gone anyway
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(10_000);
    }
  }
}
