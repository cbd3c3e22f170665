package org.patronijdbc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;

class PatroniSqlExceptionTranslatorTest {

  private final PatroniSqlExceptionTranslator translator = new PatroniSqlExceptionTranslator();

  private DataAccessException translate(SQLException e) {
    return translator.translate("task", "SELECT 1", e);
  }

  @Test
  void whatAFailoverDoesToAConnectionIsTransient() {
    for (String state : new String[] {"08006", "08001", "08003", "57P01", "57P02", "57P03"}) {
      DataAccessException e = translate(new SQLException("lost", state));
      assertThat(e).as(state).isInstanceOf(TransientDataAccessException.class);
      assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo(state);
      assertThat(e.getMessage()).contains("[SQLState " + state + "]");
    }
    assertThat(translate(new SQLTransientConnectionException("pool timed out", (String) null)))
        .isInstanceOf(TransientDataAccessException.class);
  }

  @Test
  void aCommitWhoseOutcomeIsUnknownIsRecoverableNotTransient() {
    DataAccessException e = translate(new SQLException("lost during COMMIT", "08007"));
    assertThat(e)
        .isInstanceOf(RecoverableDataAccessException.class)
        .isNotInstanceOf(TransientDataAccessException.class);
  }

  @Test
  void theStateIsFoundInsideAWrapper() {
    SQLException wrapper = new SQLException("wrapped", null, new SQLException("lost", "57P01"));
    assertThat(translate(wrapper)).isInstanceOf(TransientDataAccessException.class);
  }

  @Test
  void everythingElseAsSpringDoesForPostgres() {
    assertThat(translate(new SQLException("duplicate key", "23505")))
        .isInstanceOf(DuplicateKeyException.class);
  }
}
