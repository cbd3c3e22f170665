package org.patronijdbc.spring.boot;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import javax.sql.DataSource;
import org.patronijdbc.internal.SqlState;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Translates what a failover does to a connection into exceptions Spring can act on, and the rest
 * as Spring does for PostgreSQL:
 *
 * <ul>
 *   <li>nothing was sent (08001 no member in time, 08003, 08004, 57P03, a pool that timed out), or
 *       the session ended inside a transaction that had not committed (class 08, 57P01, 57P02):
 *       {@link TransientDataAccessResourceException}, a {@code TransientDataAccessException}:
 *       running the transaction again may work;
 *   <li>the outcome is unknown: 08007 (connection lost during COMMIT), or a session that ended
 *       during a statement outside a transaction on this data source (auto-commit: even a SELECT
 *       may call a function that writes), which the server may have applied: {@link
 *       RecoverableDataAccessException}: check whether the work is there before running it again.
 * </ul>
 *
 * The {@link SQLException} stays the cause, with its SQLState.
 */
public class PatroniSqlExceptionTranslator implements SQLExceptionTranslator {

  private final SQLExceptionTranslator postgres =
      new SQLErrorCodeSQLExceptionTranslator("PostgreSQL");
  private final DataSource dataSource;

  /**
   * Translates for {@code dataSource}: a session lost inside a Spring transaction on it is a clean
   * failure, outside one (auto-commit) the statement may have been applied.
   */
  public PatroniSqlExceptionTranslator(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public DataAccessException translate(String task, String sql, SQLException ex) {
    for (SQLException e = ex; e != null; e = next(e)) {
      String state = e.getSQLState();
      SqlState.Meaning meaning = SqlState.meaning(state);
      if (state != null && meaning == SqlState.Meaning.OUTCOME_UNKNOWN) {
        return new RecoverableDataAccessException(message(task, sql, ex), ex);
      }
      if ((state == null && e instanceof SQLTransientConnectionException)
          || (state != null && meaning == SqlState.Meaning.NOTHING_SENT)) {
        return new TransientDataAccessResourceException(message(task, sql, ex), ex);
      }
      if (state != null && meaning == SqlState.Meaning.CONNECTION_LOST) {
        boolean clean =
            TransactionSynchronizationManager.isActualTransactionActive()
                && TransactionSynchronizationManager.hasResource(dataSource);
        return clean
            ? new TransientDataAccessResourceException(message(task, sql, ex), ex)
            : new RecoverableDataAccessException(
                message(task, sql, ex)
                    + "; the statement ran outside a transaction and may have been applied",
                ex);
      }
    }
    return postgres.translate(task, sql, ex);
  }

  private static SQLException next(SQLException e) {
    return e.getCause() instanceof SQLException cause ? cause : e.getNextException();
  }

  private static String message(String task, String sql, SQLException ex) {
    return task
        + "; "
        + (sql == null ? "" : "SQL [" + sql + "]; ")
        + ex.getMessage()
        + " [SQLState "
        + ex.getSQLState()
        + "]";
  }
}
