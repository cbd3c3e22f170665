package org.patronijdbc.hikari;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;
import java.util.Arrays;
import org.patronijdbc.PatroniDataSource;

/**
 * Decides, once per failed statement (never on success), whether Hikari evicts the connection: a
 * write that reached a demoted leader (25006, read-only transaction) is evicted too, which Hikari
 * alone does not do. Every error that suggests a role change also makes the topology monitor look
 * at once.
 */
final class PatroniExceptionOverride implements SQLExceptionOverride {

  private static final String READ_ONLY_TRANSACTION = "25006";

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

  private final PatroniDataSource router;

  PatroniExceptionOverride(PatroniDataSource router) {
    this.router = router;
  }

  @java.lang.Override
  public Override adjudicate(SQLException e) {
    router.reportFailure(e);
    return READ_ONLY_TRANSACTION.equals(e.getSQLState())
        ? EVICT_READ_ONLY
        : Override.CONTINUE_EVICT;
  }
}
