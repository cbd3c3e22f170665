package org.patronijdbc.spring.boot;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.PrintWriter;
import org.patronijdbc.internal.ReadYourWrites;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@code patroni.read-your-writes=session}: what a request committed, the next requests of the same
 * user read on a replica, also when they land on another thread or instance. The position of the
 * request's commits is kept in the HTTP session when one exists (this filter never creates one),
 * else in a cookie; a request reads under the position it brings. So a POST that saves and
 * redirects is followed by a GET that finds what it saved. The position is stored before the
 * response is committed (a redirect, an error, the first byte of the body).
 */
final class ReadPositionFilter extends OncePerRequestFilter {

  static final String NAME = "patroni_read_position";

  private final ReadYourWrites writes;

  ReadPositionFilter(ReadYourWrites writes) {
    this.writes = writes;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Runnable end = writes.startRequest(carried(request));
    Position position = new Position(request, response, writes.token());
    try {
      chain.doFilter(request, position);
    } finally {
      position.store();
      end.run();
    }
  }

  private static String carried(HttpServletRequest request) {
    HttpSession session = request.getSession(false);
    if (session != null && session.getAttribute(NAME) instanceof String token) {
      return token;
    }
    if (request.getCookies() != null) {
      for (Cookie c : request.getCookies()) {
        if (NAME.equals(c.getName())) {
          return c.getValue();
        }
      }
    }
    return null;
  }

  /** The response, storing the request's position once, before anything commits it. */
  private final class Position extends HttpServletResponseWrapper {
    private final HttpServletRequest request;
    private final String before;
    private boolean stored;

    Position(HttpServletRequest request, HttpServletResponse response, String before) {
      super(response);
      this.request = request;
      this.before = before;
    }

    void store() {
      if (stored || isCommitted()) {
        return;
      }
      stored = true;
      String now = writes.token();
      if (now.equals(before)) {
        return; // this request committed nothing
      }
      HttpSession session = request.getSession(false);
      if (session != null) {
        session.setAttribute(NAME, now);
      } else {
        Cookie cookie = new Cookie(NAME, now);
        cookie.setPath("/");
        cookie.setHttpOnly(true);
        cookie.setAttribute("SameSite", "Lax");
        addCookie(cookie);
      }
    }

    @Override
    public void sendRedirect(String location) throws IOException {
      store();
      super.sendRedirect(location);
    }

    @Override
    public void sendError(int sc) throws IOException {
      store();
      super.sendError(sc);
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
      store();
      super.sendError(sc, msg);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      store();
      return super.getOutputStream();
    }

    @Override
    public PrintWriter getWriter() throws IOException {
      store();
      return super.getWriter();
    }

    @Override
    public void flushBuffer() throws IOException {
      store();
      super.flushBuffer();
    }
  }
}
