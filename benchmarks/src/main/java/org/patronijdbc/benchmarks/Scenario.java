package org.patronijdbc.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/** A failover event the methods go through together, and how long it is watched. */
enum Scenario {
  SWITCHOVER("switchover", "Patroni switchover to a replica") {
    @Override
    Event run(Stage stage) {
      PatroniCluster cluster = stage.cluster();
      Settings settings = stage.settings();
      long at = System.nanoTime();
      cluster.switchover(cluster.replicas().get(0));
      return Event.at(at, settings.window());
    }
  },
  LEADER_CRASH("leader-crash", "SIGKILL of the leader's PostgreSQL") {
    @Override
    Event run(Stage stage) {
      PatroniCluster cluster = stage.cluster();
      Settings settings = stage.settings();
      Member leader = cluster.leader();
      long at = System.nanoTime();
      cluster.crash(leader);
      return Event.at(at, settings.window());
    }
  },
  LEADER_FREEZE("leader-freeze", "SIGSTOP of the leader's Patroni and PostgreSQL") {
    @Override
    Event run(Stage stage) {
      PatroniCluster cluster = stage.cluster();
      Settings settings = stage.settings();
      Member leader = cluster.leader();
      long at = System.nanoTime();
      cluster.freeze(leader);
      sleep(settings.freeze());
      cluster.thaw(leader);
      return Event.at(at, settings.window());
    }
  },
  REPLICA_CRASH("replica-crash", "SIGKILL of one replica's PostgreSQL") {
    @Override
    Event run(Stage stage) {
      PatroniCluster cluster = stage.cluster();
      Settings settings = stage.settings();
      Member replica = cluster.replicas().get(0);
      long at = System.nanoTime();
      cluster.crash(replica);
      return Event.at(at, settings.window());
    }
  },
  LAST_REPLICA_DOWN("last-replica-down", "the last running replica stops") {
    @Override
    Event run(Stage stage) {
      PatroniCluster cluster = stage.cluster();
      Settings settings = stage.settings();
      List<Member> replicas = cluster.replicas();
      cluster.stop(replicas.get(0));
      sleep(settings.settle());
      Member last = replicas.get(replicas.size() - 1);
      long at = System.nanoTime();
      cluster.stop(last);
      return Event.at(at, settings.window()).replicaFitUntil(at);
    }
  },
  REPLICA_LAG(
      "replica-lag",
      "a replica's walreceiver paused while the leader writes 32 MB (limit 10 MB)",
      true) {
    @Override
    Event run(Stage stage) {
      PatroniCluster cluster = stage.cluster();
      Member lagging = cluster.replicas().get(0);
      long at = System.nanoTime();
      cluster.pauseReplication(lagging);
      try {
        // past the limit (checked after every 1 MB), then on to 32 MB behind, as in the issue
        writeWal(cluster, lagging, LAG_LIMIT_BYTES);
        long laggingFrom = System.nanoTime();
        writeWal(cluster, lagging, 32 * MB);
        Event event = Event.at(at, stage.settings().window());
        return new Event(at, event.untilNanos(), event.untilNanos(), lagging.pgPort(), laggingFrom);
      } finally {
        cluster.resumeReplication(lagging);
      }
    }
  },
  LEADER_ISOLATED_ASYNC(
      "leader-isolated-async",
      "the leader cut off from etcd and the other members, asynchronous replication (containers)") {
    @Override
    Event run(Stage stage) {
      return isolateLeader(stage);
    }
  },
  LEADER_ISOLATED_SYNC(
      "leader-isolated-sync",
      "the leader cut off from etcd and the other members, synchronous mode (containers)") {
    @Override
    Event run(Stage stage) {
      return isolateLeader(stage);
    }
  },
  REPLICA_LAG_REST_CUT(
      "replica-lag-rest-cut",
      "as replica-lag, and the client's REST API access cut at the same moment",
      true) {
    @Override
    Event run(Stage stage) {
      stage.clientRest().forEach(p -> p.cut(true));
      try {
        return REPLICA_LAG.run(stage);
      } finally {
        stage.clientRest().forEach(p -> p.cut(false));
      }
    }
  };

  /** The lag limit of the compared methods: patroni-jdbc's maxReplicationLag, HAProxy's ?lag=. */
  static final String LAG_LIMIT = "10MB";

  static final long MB = 1024 * 1024;
  static final long LAG_LIMIT_BYTES = 10 * MB;

  /**
   * What a scenario works on.
   *
   * @param cluster the cluster
   * @param settings how long it watches
   * @param clientRest the proxies between one patroni-jdbc data source and the REST APIs, which a
   *     scenario may cut
   */
  record Stage(PatroniCluster cluster, Settings settings, List<CountingProxy> clientRest) {}

  /**
   * When the event happened and when it stopped being watched.
   *
   * @param atNanos when the fault was made
   * @param untilNanos the end of the window
   * @param replicaFitUntilNanos until when a replica could serve reads
   * @param laggingPort the PostgreSQL port of a replica lagging past the limit, else 0
   * @param laggingFromNanos since when it lagged past the limit
   */
  record Event(
      long atNanos,
      long untilNanos,
      long replicaFitUntilNanos,
      int laggingPort,
      long laggingFromNanos) {
    static Event at(long atNanos, Duration window) {
      sleep(window);
      long until = System.nanoTime();
      return new Event(atNanos, until, until, 0, Long.MAX_VALUE);
    }

    Event replicaFitUntil(long nanos) {
      return new Event(atNanos, untilNanos, nanos, laggingPort, laggingFromNanos);
    }
  }

  final String id;
  final String description;

  /** A lag scenario: reads past the limit count, write outages do not. */
  final boolean lag;

  Scenario(String id, String description) {
    this(id, description, false);
  }

  Scenario(String id, String description, boolean lag) {
    this.id = id;
    this.description = description;
    this.lag = lag;
  }

  /** The scenarios on a cluster of containers, which runs one of them at a time. */
  static final Set<Scenario> PARTITIONS = EnumSet.of(LEADER_ISOLATED_ASYNC, LEADER_ISOLATED_SYNC);

  /** The scenarios on the local cluster of processes. */
  static final List<Scenario> LOCAL = List.copyOf(EnumSet.complementOf(EnumSet.copyOf(PARTITIONS)));

  /**
   * Isolates the leader for three windows (demoting an isolated leader takes Patroni longer than a
   * crash), then heals it.
   */
  private static Event isolateLeader(Stage stage) {
    PatroniCluster cluster = stage.cluster();
    Member leader = cluster.leader();
    long at = System.nanoTime();
    cluster.isolate(leader);
    try {
      return Event.at(at, stage.settings().window().multipliedBy(3));
    } finally {
      cluster.heal(leader);
    }
  }

  /** The scenarios that make the leader change: Patroni's own write gap matters there. */
  boolean failsOver() {
    return this == SWITCHOVER
        || this == LEADER_CRASH
        || this == LEADER_FREEZE
        || PARTITIONS.contains(this);
  }

  /** Makes the fault, waits out the window and says when what happened. */
  abstract Event run(Stage stage);

  /**
   * Writes on the leader, 1 MB a transaction, until {@code replica} has replayed {@code bytes} less
   * than the leader has written.
   */
  private static void writeWal(PatroniCluster cluster, Member replica, long bytes) {
    try (Connection leader = cluster.connect(cluster.leader());
        Connection standby = cluster.connect(replica);
        Statement l = leader.createStatement();
        Statement r = standby.createStatement()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              replica.name() + " is not " + bytes + " bytes behind after 60 s of writing");
        }
        String replayed;
        try (ResultSet rs = r.executeQuery("SELECT pg_last_wal_replay_lsn()")) {
          rs.next();
          replayed = rs.getString(1);
        }
        try (ResultSet rs =
            l.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + replayed + "')")) {
          rs.next();
          if (rs.getLong(1) >= bytes) {
            return;
          }
        }
        l.execute(
            "INSERT INTO bench_pad SELECT g, repeat('x', 1000) FROM generate_series(1, 900) g");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("writing WAL for the lag scenario failed", e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
