package org.patronijdbc.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.SQLExceptionOverride;
import java.lang.reflect.Method;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.patronijdbc.internal.SqlState;
import org.patronijdbc.internal.TopologyMonitor;
import org.slf4j.LoggerFactory;

/**
 * Decides, once per failed statement (never on success), whether Hikari evicts the connection: on
 * the write pool, a write that reached a demoted leader (25006, read-only transaction) is evicted
 * too, which Hikari alone does not do. On a read pool a 25006 is the caller's own write on a
 * read-only connection: the connection stays. Every error that suggests a role change ({@link
 * SqlState#suggestsRoleChange}) also makes the topology monitor look at once.
 */
final class PatroniExceptionOverride implements SQLExceptionOverride {

  /**
   * {@code MUST_EVICT} from HikariCP 6 on. HikariCP 5.1 has only Hikari's own decision ({@code
   * CONTINUE_EVICT}); there a 25006 connection goes when the write pool retires its connections for
   * the new leader, which the refresh below brings within one poll.
   */
  private static final Override EVICT_READ_ONLY =
      Arrays.stream(Override.values())
          .filter(o -> o.name().equals("MUST_EVICT"))
          .findFirst()
          .orElse(Override.CONTINUE_EVICT);

  /** {@code HikariConfig.setExceptionOverride(instance)}, from HikariCP 6 on; null on 5.1. */
  private static final Method SET_OVERRIDE = setOverride();

  private static final AtomicBoolean TOLD = new AtomicBoolean();

  private final TopologyMonitor monitor;
  private final boolean leaderSide;

  PatroniExceptionOverride(TopologyMonitor monitor, boolean leaderSide) {
    this.monitor = monitor;
    this.leaderSide = leaderSide;
  }

  /**
   * Installs the override on {@code config} where the HikariCP line allows an instance (6.x and
   * 7.x). HikariCP 5.1 only takes a class name and builds it itself, without the data source it
   * needs: there the pools run without it (once INFO), so a failed statement does not make the
   * topology be read at once (the next poll, {@code topologyRefreshMs}, does) and a 25006
   * connection goes when the write pool retires for the new leader.
   */
  static void install(HikariConfig config, TopologyMonitor monitor, boolean leaderSide) {
    if (SET_OVERRIDE == null) {
      if (TOLD.compareAndSet(false, true)) {
        LoggerFactory.getLogger(PatroniExceptionOverride.class)
            .info(
                "HikariCP before 6.0: no exception override, so failed statements do not trigger"
                    + " an immediate topology refresh");
      }
      return;
    }
    try {
      SET_OVERRIDE.invoke(config, new PatroniExceptionOverride(monitor, leaderSide));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot install the exception override: " + e, e);
    }
  }

  private static Method setOverride() {
    try {
      return HikariConfig.class.getMethod("setExceptionOverride", SQLExceptionOverride.class);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  @java.lang.Override
  public Override adjudicate(SQLException e) {
    String state = e.getSQLState();
    if (SqlState.suggestsRoleChange(state, leaderSide)) {
      monitor.requestRefresh();
    }
    return leaderSide && SqlState.READ_ONLY_TRANSACTION.is(state)
        ? EVICT_READ_ONLY
        : Override.CONTINUE_EVICT;
  }
}
