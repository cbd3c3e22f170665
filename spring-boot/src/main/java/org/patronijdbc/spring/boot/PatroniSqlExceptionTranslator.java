package org.patronijdbc.spring.boot;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.patronijdbc.internal.SqlState;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.NonTransientDataAccessResourceException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * Translates what a failover does to a connection into exceptions Spring can act on, decided from
 * what the connection saw (patroni-jdbc's SQLState catalog), never from whether a transaction is
 * active when the translation runs (Spring Data translates after its transaction has ended), and
 * the rest as Spring does for PostgreSQL:
 *
 * <ul>
 *   <li>nothing was sent (08001 no member in time, a pool that timed out, 08003, 08004, 57P03, a
 *       login called off), or the session ended inside a transaction that had not committed (class
 *       08, 57P01, 57P02: the server rolled it back): {@link TransientDataAccessResourceException},
 *       a {@code TransientDataAccessException}: running the transaction again may work;
 *   <li>the outcome is unknown: 08007, a connection lost during COMMIT, or during an auto-commit
 *       statement that may write (patroni-jdbc reports that as 08007 too): {@link
 *       RecoverableDataAccessException}: check whether the work is there before running it again;
 *   <li>the configuration is wrong (22023, a bad property or a local set-up that cannot work; class
 *       28; 3D000; 0A000): {@link NonTransientDataAccessResourceException}: no retry helps.
 * </ul>
 *
 * The {@link SQLException} stays the cause, with its SQLState.
 */
public class PatroniSqlExceptionTranslator implements SQLExceptionTranslator {

  private final SQLExceptionTranslator postgres =
      new SQLErrorCodeSQLExceptionTranslator("PostgreSQL");

  @Override
  public DataAccessException translate(String task, String sql, SQLException ex) {
    for (SQLException e = ex; e != null; e = next(e)) {
      String state = e.getSQLState();
      if (state == null) {
        if (e instanceof SQLTransientConnectionException) { // a pool timed out, nothing sent
          return new TransientDataAccessResourceException(message(task, sql, ex), ex);
        }
        continue;
      }
      switch (SqlState.meaning(state)) {
        case OUTCOME_UNKNOWN:
          return new RecoverableDataAccessException(
              message(task, sql, ex) + "; the work may or may not have been applied", ex);
        case NOTHING_SENT:
        case CONNECTION_LOST:
          return new TransientDataAccessResourceException(message(task, sql, ex), ex);
        case CONFIGURATION:
          return new NonTransientDataAccessResourceException(message(task, sql, ex), ex);
        default:
          break;
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
