package org.patronijdbc.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a running {@link PatroniCluster}: declare a {@code PatroniCluster} parameter
 * (or one of its kind, {@link LocalPatroniCluster} or {@link ContainerPatroniCluster}) on a test,
 * lifecycle method or constructor.
 *
 * <p>By default the cluster is shared by every class of the test run that asks for the same shape
 * (members, synchronous mode, quorum commit, processes or containers) and closed when the run ends.
 * After each test the extension restores health (thaws frozen members, starts stopped ones, waits
 * for one leader and caught-up replicas), so a test may break nodes without harming the next one. A
 * class that changes the cluster in ways a restore cannot undo (tags, added members) asks for
 * {@link #isolated()} and gets its own.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PatroniClusterExtension.class)
public @interface PatroniTest {

  /** Number of members. */
  int members() default 3;

  /** Patroni's synchronous_mode. */
  boolean synchronousMode() default false;

  /**
   * Patroni 4's quorum commit ({@code synchronous_mode: quorum}); see {@link
   * PatroniClusterBuilder#quorumCommit}. On Patroni 3 the class is disabled (reported as skipped,
   * with the reason), since testkit could not start such a cluster.
   */
  boolean quorumCommit() default false;

  /** A cluster of this class's own, closed after the class, instead of the shared one. */
  boolean isolated() default false;

  /**
   * A cluster of Docker containers ({@link PatroniClusterBuilder#startInContainers()}) instead of
   * local processes: it can also suffer network faults ({@link PatroniCluster#isolate}).
   */
  boolean containers() default false;
}
