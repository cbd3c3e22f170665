package org.patronijdbc.benchmarks;

import java.time.Duration;
import java.util.List;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/** A failover event the methods go through together, and how long it is watched. */
enum Scenario {
  SWITCHOVER("switchover", "Patroni switchover to a replica") {
    @Override
    Event run(PatroniCluster cluster, Settings settings) {
      long at = System.nanoTime();
      cluster.switchover(cluster.replicas().get(0));
      return Event.at(at, settings.window());
    }
  },
  LEADER_CRASH("leader-crash", "SIGKILL of the leader's PostgreSQL") {
    @Override
    Event run(PatroniCluster cluster, Settings settings) {
      Member leader = cluster.leader();
      long at = System.nanoTime();
      cluster.crash(leader);
      return Event.at(at, settings.window());
    }
  },
  LEADER_FREEZE("leader-freeze", "SIGSTOP of the leader's Patroni and PostgreSQL") {
    @Override
    Event run(PatroniCluster cluster, Settings settings) {
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
    Event run(PatroniCluster cluster, Settings settings) {
      Member replica = cluster.replicas().get(0);
      long at = System.nanoTime();
      cluster.crash(replica);
      return Event.at(at, settings.window());
    }
  },
  LAST_REPLICA_DOWN("last-replica-down", "the last running replica stops") {
    @Override
    Event run(PatroniCluster cluster, Settings settings) {
      List<Member> replicas = cluster.replicas();
      cluster.stop(replicas.get(0));
      sleep(settings.settle());
      Member last = replicas.get(replicas.size() - 1);
      long at = System.nanoTime();
      cluster.stop(last);
      return Event.at(at, settings.window()).replicaFitUntil(at);
    }
  };

  /**
   * When the event happened and when it stopped being watched.
   *
   * @param atNanos when the fault was made
   * @param untilNanos the end of the window
   * @param replicaFitUntilNanos until when a replica could serve reads
   */
  record Event(long atNanos, long untilNanos, long replicaFitUntilNanos) {
    static Event at(long atNanos, Duration window) {
      sleep(window);
      long until = System.nanoTime();
      return new Event(atNanos, until, until);
    }

    Event replicaFitUntil(long nanos) {
      return new Event(atNanos, untilNanos, nanos);
    }
  }

  final String id;
  final String description;

  Scenario(String id, String description) {
    this.id = id;
    this.description = description;
  }

  /** Makes the fault, waits out the window and says when what happened. */
  abstract Event run(PatroniCluster cluster, Settings settings);

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
