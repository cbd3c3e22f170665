package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * 500 virtual threads read through {@code readOnly()} and write through the write pool during a
 * switchover; JFR's {@code jdk.VirtualThreadPinned} events must show no carrier pinned in the
 * library's frames, but for the pins the JVM makes itself (it says why from JDK 24 on). Runs on JDK
 * 21 and later (CI runs it on JDK 25); the build's bytecode is Java 17, so the virtual-thread
 * executor is reached by reflection.
 */
@PatroniTest
@EnabledForJreRange(min = JRE.JAVA_21)
class VirtualThreadsIT {

  private static final int THREADS = 500;

  @Test
  void fiveHundredVirtualThreadsThroughASwitchoverPinNoCarrierInTheLibrary(PatroniCluster cluster)
      throws Exception {
    ConcurrentLinkedQueue<String> pinned = new ConcurrentLinkedQueue<>();
    AtomicLong pinnedEvents = new AtomicLong();
    try (RecordingStream jfr = new RecordingStream();
        PatroniHikariDataSource ds = PoolReroutingIT.dataSource(cluster)) {
      jfr.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
      AtomicLong jvms = new AtomicLong();
      jfr.onEvent(
          "jdk.VirtualThreadPinned",
          e -> {
            pinnedEvents.incrementAndGet();
            if (theJvms(e)) {
              jvms.incrementAndGet(); // whoever's frames are below
              return;
            }
            libraryFrame(e)
                .ifPresent(
                    frame -> {
                      pinned.add(frame);
                      System.out.println("pinned in the library: " + e); // with its stack
                    });
          });
      Workload.createTable(ds);
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE SEQUENCE IF NOT EXISTS vt_ids START 100000000");
      }

      ExecutorService virtual =
          (ExecutorService)
              Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
      // one read and one write on a virtual thread first: the classes of both paths are loaded
      // and the JDK's socket poller started before 500 threads meet them at once
      virtual
          .submit(
              () -> {
                read(ds);
                write(ds);
                return null;
              })
          .get(30, TimeUnit.SECONDS);
      jfr.startAsync();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong reads = new AtomicLong();
      AtomicLong writes = new AtomicLong();
      AtomicLong failures = new AtomicLong();
      for (int i = 0; i < THREADS; i++) {
        boolean write = i % 2 == 0;
        virtual.execute(
            () -> {
              while (running.get()) {
                try {
                  if (write) {
                    write(ds);
                    writes.incrementAndGet();
                  } else {
                    read(ds);
                    reads.incrementAndGet();
                  }
                } catch (SQLException e) {
                  failures.incrementAndGet();
                }
              }
            });
      }
      Thread.sleep(2000);
      Member candidate = cluster.replicas().get(0);
      cluster.switchover(candidate);
      Thread.sleep(4000);
      running.set(false);
      virtual.shutdown();
      assertThat(virtual.awaitTermination(60, TimeUnit.SECONDS))
          .as("every virtual thread finished")
          .isTrue();
      Thread.sleep(500); // the last JFR events arrive
      System.out.printf(
          "virtual threads: %d threads, %d reads, %d writes, %d failed operations (the"
              + " switchover), %d pinned events (%d by the JVM itself),"
              + " %d in the library's frames%n",
          THREADS,
          reads.get(),
          writes.get(),
          failures.get(),
          pinnedEvents.get(),
          jvms.get(),
          pinned.size());
      assertThat(reads.get()).isPositive();
      assertThat(writes.get()).isPositive();
      assertThat(pinned).isEmpty();
    }
  }

  private static void write(PatroniHikariDataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO workload VALUES (nextval('vt_ids'), inet_server_port())")) {
      ps.executeUpdate();
    }
  }

  private static void read(PatroniHikariDataSource ds) throws SQLException {
    try (Connection c = ds.readOnly().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT inet_server_port()")) {
      rs.next();
    }
  }

  /**
   * Whether the JVM pinned the carrier, not the library's code (JDK 24 and later say why; there
   * monitors no longer pin): while it loaded a class, waited for another thread to initialize one
   * that is not the library's, or could not unmount a thread waiting for a monitor because a JVM
   * frame was below it ("Freeze or preempt failed": the library has no native code). 500 threads
   * meeting a class for the first time, a switchover's error path included, cause these.
   */
  private static boolean theJvms(RecordedEvent e) {
    String reason = e.hasField("pinnedReason") ? e.getString("pinnedReason") : null;
    String blocking = e.hasField("blockingOperation") ? e.getString("blockingOperation") : null;
    if (reason != null
        && reason.startsWith("Waited for initialization of ")
        && !reason.contains("org.patronijdbc.")) {
      return true;
    }
    if (reason != null
        && reason.startsWith("Freeze or preempt failed")
        && "Contended monitor enter".equals(blocking)) {
      return true;
    }
    if (e.getStackTrace() == null || e.getStackTrace().getFrames().isEmpty()) {
      return false;
    }
    String top = e.getStackTrace().getFrames().get(0).getMethod().getType().getName();
    return top.equals("java.lang.ClassLoader") || top.startsWith("jdk.internal.loader.");
  }

  /** The first frame of patroni-jdbc's own (non-test) code in a pinned event's stack, if any. */
  private static java.util.Optional<String> libraryFrame(RecordedEvent e) {
    if (e.getStackTrace() == null) {
      return java.util.Optional.empty();
    }
    List<RecordedFrame> frames = e.getStackTrace().getFrames();
    return frames.stream()
        .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName())
        .filter(n -> n.startsWith("org.patronijdbc."))
        .filter(n -> !n.contains("VirtualThreadsIT") && !n.contains("Workload"))
        .findFirst();
  }
}
