package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testkit.LocalPatroniCluster;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.patronijdbc.testkit.PgBouncers;
import org.postgresql.PGConnection;

/**
 * Members reached where the user said: a real PgBouncer beside each member, named in the URL and in
 * {@code memberAddresses}. Every server session of the application must belong to a PgBouncer (its
 * backend PID in the PgBouncer's {@code SHOW SERVERS}), the role check must tell a leader from a
 * replica through a PgBouncer after a switchover, and no write may reach a replica. In transaction
 * pooling, read-only holds per transaction.
 */
@PatroniTest
class PgBouncerIT {

  private static final String APP = "pgbouncer-it";

  private static PatroniDataSource dataSource(
      LocalPatroniCluster cluster, PgBouncers bouncers, String... params) {
    String url =
        "jdbc:patroni:postgresql://"
            + bouncers.hosts()
            + "/postgres?sslmode=disable&ApplicationName="
            + APP
            + "&memberAddresses="
            + bouncers.memberAddresses()
            + "&patroniUrls="
            + String.join(",", cluster.members().stream().map(Member::restUrl).toList())
            + (params.length == 0 ? "" : "&" + String.join("&", params));
    PatroniDataSource ds = new PatroniDataSource(url);
    ds.setUser(PatroniCluster.SUPERUSER);
    ds.setPassword(PatroniCluster.PASSWORD);
    return ds;
  }

  /** One write or read: where it ran, as the server said. */
  record Op(boolean write, int port, boolean inRecovery, String sqlState) {}

  private static final class Load implements AutoCloseable {
    final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<Thread> threads = new ArrayList<>();

    Load(DataSource writes, DataSource reads) {
      for (int i = 0; i < 6; i++) {
        boolean write = i < 3;
        Thread t = new Thread(() -> loop(write ? writes : reads, write), "pgbouncer-load-" + i);
        t.start();
        threads.add(t);
      }
    }

    void loop(DataSource ds, boolean write) {
      while (running.get()) {
        try (Connection c = ds.getConnection();
            Statement s = c.createStatement();
            ResultSet rs =
                s.executeQuery(
                    write
                        ? "INSERT INTO bouncer VALUES (DEFAULT)"
                            + " RETURNING inet_server_port(), pg_is_in_recovery()"
                        : "SELECT inet_server_port(), pg_is_in_recovery()")) {
          rs.next();
          ops.add(new Op(write, rs.getInt(1), rs.getBoolean(2), null));
        } catch (SQLException e) {
          ops.add(new Op(write, -1, false, String.valueOf(e.getSQLState())));
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(30_000);
      }
    }
  }

  /** PIDs of this test's server sessions on {@code member}, asked of the member itself. */
  private static Set<Long> sessions(PatroniCluster cluster, Member member) throws SQLException {
    Set<Long> pids = new HashSet<>();
    try (Connection c = cluster.connect(member);
        PreparedStatement ps =
            c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
      ps.setString(1, APP);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pids.add(rs.getLong(1));
        }
      }
    }
    return pids;
  }

  @Test
  void everyConnectionGoesThroughThePgBouncersAndNoWriteReachesAReplica(LocalPatroniCluster cluster)
      throws Exception {
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS bouncer (id bigserial PRIMARY KEY)");
    }
    try (PgBouncers bouncers = PgBouncers.start(cluster, "session");
        PatroniDataSource ds = dataSource(cluster, bouncers)) {
      String hotStandby;
      try (Connection c = ds.readOnly().getConnection()) {
        hotStandby = c.unwrap(PGConnection.class).getParameterStatus("in_hot_standby");
      }
      Load load = new Load(ds, ds.readOnly());
      Thread.sleep(2000);
      List<String> stray = new ArrayList<>();
      int clients = 0;
      for (Member m : cluster.members()) {
        Set<Long> throughBouncer = new HashSet<>(bouncers.serverPids(m));
        for (long pid : sessions(cluster, m)) {
          if (!throughBouncer.contains(pid)) {
            stray.add(m.name() + " pid " + pid);
          }
        }
        clients += bouncers.clients(m);
      }
      Member candidate = cluster.replicas().get(0);
      cluster.switchover(candidate);
      Thread.sleep(5000);
      load.close();

      List<Op> writes = load.ops.stream().filter(Op::write).toList();
      List<Op> okWrites = writes.stream().filter(o -> o.sqlState() == null).toList();
      System.out.printf(
          "PgBouncerIT: in_hot_standby through PgBouncer: %s; %d clients on the PgBouncers,"
              + " %d sessions not theirs; %d writes (%d failed, %d on the new leader's port),"
              + " %d reads%n",
          hotStandby,
          clients,
          stray.size(),
          writes.size(),
          writes.size() - okWrites.size(),
          okWrites.stream().filter(o -> o.port() == candidate.pgPort()).count(),
          load.ops.size() - writes.size());

      assertThat(clients).isPositive();
      assertThat(stray).as("sessions opened around the PgBouncers").isEmpty();
      assertThat(okWrites).isNotEmpty().noneMatch(Op::inRecovery);
      assertThat(writes).noneMatch(o -> "25006".equals(o.sqlState()));
      assertThat(okWrites).anyMatch(o -> o.port() == candidate.pgPort());
    }
  }

  @Test
  void inTransactionPoolingReadsAreReadOnlyPerTransactionAndTheRoleIsAsked(
      LocalPatroniCluster cluster) throws Exception {
    try (PgBouncers bouncers = PgBouncers.start(cluster, "transaction");
        PatroniDataSource ds = dataSource(cluster, bouncers, "prepareThreshold=0")) {
      boolean writeRefused;
      try (Connection c = ds.readOnly().getConnection()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute("CREATE TEMP TABLE t (x int)"); // a write in a read-only transaction
          writeRefused = false;
        } catch (SQLException e) {
          writeRefused = "25006".equals(e.getSQLState());
        }
        c.rollback();
      }
      boolean leaderInRecovery;
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
        rs.next();
        leaderInRecovery = rs.getBoolean(1);
      }

      assertThat(writeRefused).isTrue();
      assertThat(leaderInRecovery).isFalse();
    }
  }
}
