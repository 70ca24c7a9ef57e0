/**
 * The guards every Envelope HTTP listener keeps against hostile clients: bounded connections (in all and per
 * address), threads, header sizes, time and data rate; no method overrides; no unknown transfer codings; a
 * throttle on failed authentications; and a refused request's unread body taken in without a thread. {@link
 * dev.envelope.http.HttpGuards} installs them on a Javalin app; {@link dev.envelope.http.HttpLimits} is every
 * bound, each a documented setting ({@code docs/LIMITS.md}).
 */
package dev.envelope.http;
