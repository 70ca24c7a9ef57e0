package dev.envelope.client;

import java.util.Objects;

/**
 * A token the server just made: the only time its text is ever available. Store it where secrets go; the
 * server keeps only a hash and cannot show it again.
 *
 * @param info what the server lists about it
 * @param token the bearer token's text
 */
public record NewToken(TokenInfo info, String token) {
  public NewToken {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(token, "token");
  }

  /** Leaves the token's text out: this object may end up in a log. */
  @Override
  public String toString() {
    return "NewToken[" + info + "]";
  }
}
