package org.patronijdbc.examples;

import java.time.Duration;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * The README's first command: starts a local 3-member Patroni cluster, shows what Patroni and
 * PostgreSQL say about each member, and stops it.
 */
public final class Demo {

  private Demo() {}

  /**
   * Runs the demo.
   *
   * @param args unused
   * @throws Exception when the cluster cannot be started or queried
   */
  public static void main(String[] args) throws Exception {
    System.out.println(
        "Starting a local 3-member Patroni cluster (etcd + Patroni + PostgreSQL)...");
    long started = System.nanoTime();
    try (PatroniCluster cluster = PatroniCluster.builder().members(3).start()) {
      System.out.printf(
          "Cluster %s healthy after %.1f s%n",
          cluster.scope(), Duration.ofNanos(System.nanoTime() - started).toMillis() / 1000.0);
      printMembers(cluster);
      System.out.println("patroni-jdbc URL:   " + cluster.jdbcUrl("postgres"));
      System.out.println("pgjdbc multi-host:  " + cluster.multiHostJdbcUrl("postgres"));

      Member candidate = cluster.replicas().get(0);
      System.out.printf("%nSwitchover to %s...%n", candidate.name());
      cluster.switchover(candidate);
      cluster.awaitHealthy(Duration.ofSeconds(60));
      printMembers(cluster);
    }
    System.out.println("\nCluster stopped; nothing left behind.");
  }

  private static void printMembers(PatroniCluster cluster) throws Exception {
    System.out.printf(
        "%n%-4s %-8s %-9s %-16s %-10s %s%n",
        "name", "role", "state", "postgres", "REST", "pg_is_in_recovery()");
    for (Member m : cluster.members()) {
      System.out.printf(
          "%-4s %-8s %-9s %-16s %-10d %s%n",
          m.name(),
          m.role(),
          m.state(),
          m.host() + ":" + m.pgPort(),
          m.restPort(),
          cluster.isInRecovery(m));
    }
  }
}
