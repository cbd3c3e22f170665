package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SQLState catalog as a table: every code, what it means, its exception, retry or not. */
class SqlStateTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // code,  meaning,          exception type,                       retryable login, role change
    "08001, NOTHING_SENT,       SQLTransientConnectionException,      true,  true",
    "08003, NOTHING_SENT,       SQLNonTransientConnectionException,   true,  true",
    "08004, NOTHING_SENT,       SQLNonTransientConnectionException,   true,  true",
    "08006, CONNECTION_LOST,    SQLTransientConnectionException,      true,  true",
    "08007, OUTCOME_UNKNOWN,    SQLRecoverableException,              true,  true",
    "0A000, CONFIGURATION,      SQLFeatureNotSupportedException,      false, false",
    "22023, CONFIGURATION,      SQLNonTransientConnectionException,   false, false",
    "25006, SERVER_ANSWER,      SQLException,                         false, false",
    "57P01, CONNECTION_LOST,    SQLException,                         true,  true",
    "57P02, CONNECTION_LOST,    SQLException,                         true,  true",
    "57P03, NOTHING_SENT,       SQLTransientConnectionException,      true,  true",
    "57014, SERVER_ANSWER,      SQLException,                         true,  false",
    "3D000, CONFIGURATION,      SQLNonTransientConnectionException,   false, false",
    "42501, SERVER_ANSWER,      SQLException,                         false, false",
  })
  void everyCodeHasOneMeaningOneExceptionTypeAndOneRetryRule(
      String code, String meaning, String type, boolean retryableLogin, boolean roleChange) {
    SqlState state = SqlState.of(code).orElseThrow();
    SQLException e = state.exception("m", null);

    assertThat(SqlState.meaning(code).name()).isEqualTo(meaning);
    assertThat(e.getClass().getSimpleName()).isEqualTo(type);
    assertThat(e.getSQLState()).isEqualTo(code);
    assertThat(SqlState.isRetryableLogin(e)).isEqualTo(retryableLogin);
    assertThat(SqlState.suggestsRoleChange(code, false)).isEqualTo(roleChange);
  }

  @Test
  void theTableCoversTheWholeCatalog() {
    assertThat(SqlState.values()).hasSize(14);
    assertThat(Arrays.stream(SqlState.values()).map(SqlState::code).distinct()).hasSize(14);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "08P01, CONNECTION_LOST, true",
    "28P01, CONFIGURATION,   false",
    "28000, CONFIGURATION,   false",
    "53300, SERVER_ANSWER,   true",
    "58030, SERVER_ANSWER,   true",
    "23505, SERVER_ANSWER,   false",
  })
  void codesTheServerSendsAreClassifiedByClass(String code, String meaning, boolean retryable) {
    assertThat(SqlState.meaning(code).name()).isEqualTo(meaning);
    assertThat(SqlState.isRetryableLogin(new SQLException("m", code))).isEqualTo(retryable);
  }

  @Test
  void aWriteOnAReadOnlyTransactionIsARoleChangeOnlyOnAConnectionChosenAsLeader() {
    assertThat(SqlState.suggestsRoleChange("25006", true)).isTrue();
    assertThat(SqlState.suggestsRoleChange("25006", false)).isFalse();
  }

  @Test
  void aCommitCutByALostSessionIsOutcomeUnknownButAClosedConnectionStays() {
    SQLException lost = SqlState.duringCommit("n1", new SQLException("lost", "08006"));
    assertThat((Throwable) lost).isInstanceOf(SQLRecoverableException.class);
    assertThat(lost.getSQLState()).isEqualTo("08007");
    assertThat(SqlState.duringCommit("n1", new SQLException("gone", "57P01")).getSQLState())
        .isEqualTo("08007");
    assertThat(SqlState.duringCommit("n1", new SQLException("closed", "08003")).getSQLState())
        .isEqualTo("08003");
    assertThat(SqlState.duringCommit("n1", new SQLException("dup", "23505")).getSQLState())
        .isEqualTo("23505");
  }

  @Test
  void aServerRefusalKeepsItsCodeAndALoginErrorOfClass28IsAnAuthorizationError() {
    SQLException refused = SqlState.loginRefused("n1", new SQLException("no", "28P01"));
    assertThat((Throwable) refused)
        .isInstanceOf(java.sql.SQLInvalidAuthorizationSpecException.class);
    assertThat(refused.getSQLState()).isEqualTo("28P01");
    assertThat(refused.getMessage()).startsWith("n1 refused the login");
    SQLException config = SqlState.INVALID_PARAMETER.exception("bad");
    assertThat((Throwable) SqlState.loginRefused("n1", config)).isSameAs(config);
  }

  @Test
  void aBadValueNeverShowsAPassword() {
    assertThat(SqlState.badValue("readOnlyPassword", "s3cret", "x").getMessage())
        .doesNotContain("s3cret");
    assertThat(SqlState.badValue("patroniUrls", "http://a:s3cret@h:1", "x").getMessage())
        .doesNotContain("s3cret");
    assertThat((Throwable) SqlState.badValue("maxReplicationLag", "1 TB", "x"))
        .isInstanceOf(SQLNonTransientConnectionException.class);
  }

  @Test
  void unknownCodesAreNoCatalogEntry() {
    assertThat(SqlState.of("99999")).isEmpty();
    assertThat(SqlState.meaning(null)).isEqualTo(SqlState.Meaning.CONNECTION_LOST);
  }
}
