package org.patronijdbc.hikari;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;
import org.patronijdbc.PatroniDataSource;

/**
 * Decides, once per failed statement (never on success), whether Hikari evicts the connection: a
 * write that reached a demoted leader (25006, read-only transaction) is evicted too, which Hikari
 * alone does not do. Every error that suggests a role change also makes the topology monitor look
 * at once.
 */
final class PatroniExceptionOverride implements SQLExceptionOverride {

  private static final String READ_ONLY_TRANSACTION = "25006";

  private final PatroniDataSource router;

  PatroniExceptionOverride(PatroniDataSource router) {
    this.router = router;
  }

  @java.lang.Override
  public Override adjudicate(SQLException e) {
    router.reportFailure(e);
    return READ_ONLY_TRANSACTION.equals(e.getSQLState())
        ? Override.MUST_EVICT
        : Override.CONTINUE_EVICT;
  }
}
