package org.patronijdbc.internal.jdbc;

import java.sql.SQLException;

/** Hears of every statement that ran, or failed, through the library's statements. */
public interface StatementListener {

  /**
   * A statement ran without an error.
   *
   * @param sql its SQL, or null when not known (a batch of plain statements)
   * @param query whether it ran by {@code executeQuery}
   */
  void executed(String sql, boolean query) throws SQLException;

  /** A statement failed with {@code e}: the error the application gets instead (or {@code e}). */
  SQLException failed(String sql, boolean query, SQLException e);
}
