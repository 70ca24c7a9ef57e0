package dev.envelope.keyserver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import dev.envelope.core.ManagedKeyService;
import dev.envelope.core.RootKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The key-management operations of the KMS API: keys, their state, rotation and aliases. Every key is a
 * symmetric {@code SYMMETRIC_DEFAULT} key for {@code ENCRYPT_DECRYPT}, the only kind a {@link ManagedKeyService}
 * holds; asking for another kind is an {@code UnsupportedOperationException}.
 */
final class KeyOperations {
  private final ManagedKeyService keys;
  private final KeyIds ids;
  private final Paging paging = new Paging();

  KeyOperations(ManagedKeyService keys, KeyIds ids) {
    this.keys = keys;
    this.ids = ids;
  }

  void registerInto(Map<String, Operation> operations) {
    operations.put("CreateKey", this::createKey);
    operations.put("DescribeKey", call -> metadata(keys.describeKey(key(call))));
    operations.put("ListKeys", this::listKeys);
    // These take a key id or key ARN only, never an alias, as in AWS KMS.
    operations.put("EnableKey", call -> empty(keys.enableKey(keyOnly(call))));
    operations.put("DisableKey", call -> empty(keys.disableKey(keyOnly(call))));
    operations.put("ScheduleKeyDeletion", this::scheduleKeyDeletion);
    operations.put("CancelKeyDeletion", call -> keyIdOnly(keys.cancelKeyDeletion(keyOnly(call))));
    operations.put("EnableKeyRotation", this::enableKeyRotation);
    operations.put("DisableKeyRotation", call -> empty(keys.setAutomaticRotation(keyOnly(call), null)));
    operations.put("GetKeyRotationStatus", this::getKeyRotationStatus);
    operations.put("RotateKeyOnDemand", call -> keyIdOnly(keys.rotateKey(keyOnly(call))));
    operations.put("CreateAlias", this::createAlias);
    operations.put("DeleteAlias", this::deleteAlias);
    operations.put("ListAliases", this::listAliases);
  }

  /** Resolves the request's {@code KeyId} to a canonical id the caller may use. */
  private String key(Call call) throws EnvelopeException {
    String id = ids.resolve(keys, call.request().requiredString("KeyId"));
    call.useKey(id);
    return id;
  }

  /** Resolves the request's {@code KeyId}, which must be a key id or key ARN ({@link KeyIds#resolveKeyOnly}). */
  private String keyOnly(Call call) throws EnvelopeException {
    String id = ids.resolveKeyOnly(keys, call.request().requiredString("KeyId"));
    call.useKey(id);
    return id;
  }

  private ObjectNode createKey(Call call) throws EnvelopeException {
    call.createsKey();
    KmsRequest request = call.request();
    requireValue(request, "KeyUsage", "ENCRYPT_DECRYPT");
    requireValue(request, "KeySpec", "SYMMETRIC_DEFAULT");
    requireValue(request, "CustomerMasterKeySpec", "SYMMETRIC_DEFAULT");
    requireValue(request, "Origin", "AWS_KMS");
    if (request.bool("MultiRegion").orElse(false)) {
      throw KmsError.UNSUPPORTED_OPERATION.exception("This key server has no multi-Region keys");
    }
    String description = request.string("Description").orElse("");
    if (description.length() > 8192) {
      throw KmsError.VALIDATION.exception("Description must be at most 8192 characters");
    }
    RootKey key = keys.createKey(description);
    call.useKey(key.id());
    return metadata(key);
  }

  private ObjectNode listKeys(Call call) throws EnvelopeException {
    List<RootKey> all = new ArrayList<>(keys.listKeys());
    all.sort(Comparator.comparing(RootKey::id));
    ObjectNode response = KmsRequest.JSON.createObjectNode();
    ArrayNode array = response.putArray("Keys");
    for (RootKey key : paging.page("ListKeys", all, RootKey::id, call.request(), response)) {
      array.addObject().put("KeyId", key.id()).put("KeyArn", ids.keyArn(key.id()));
    }
    return response;
  }

  private ObjectNode scheduleKeyDeletion(Call call) throws EnvelopeException {
    String id = keyOnly(call);
    int days = call.request().integer("PendingWindowInDays", ManagedKeyService.MIN_PENDING_DAYS,
        ManagedKeyService.MAX_PENDING_DAYS).orElse(ManagedKeyService.MAX_PENDING_DAYS);
    RootKey key = keys.scheduleKeyDeletion(id, days);
    ObjectNode response = keyIdOnly(key);
    key.deletionDate().ifPresent(date -> response.put("DeletionDate", epochSeconds(date)));
    response.put("KeyState", state(key));
    response.put("PendingWindowInDays", days);
    return response;
  }

  private ObjectNode enableKeyRotation(Call call) throws EnvelopeException {
    String id = keyOnly(call);
    int days = call.request().integer("RotationPeriodInDays", (int) ManagedKeyService.MIN_ROTATION_PERIOD.toDays(),
        (int) ManagedKeyService.MAX_ROTATION_PERIOD.toDays()).orElse(365);
    return empty(keys.setAutomaticRotation(id, Duration.ofDays(days)));
  }

  private ObjectNode getKeyRotationStatus(Call call) throws EnvelopeException {
    RootKey key = keys.describeKey(keyOnly(call));
    ObjectNode response = keyIdOnly(key);
    response.put("KeyRotationEnabled", key.rotationPeriod().isPresent());
    key.rotationPeriod().ifPresent(period -> response.put("RotationPeriodInDays", period.toDays()));
    key.nextRotation().ifPresent(next -> response.put("NextRotationDate", epochSeconds(next)));
    return response;
  }

  private ObjectNode createAlias(Call call) throws EnvelopeException {
    String alias = ids.alias(call.request().requiredString("AliasName"));
    String target = call.request().requiredString("TargetKeyId");
    if (target.startsWith(KeyIds.ALIAS_PREFIX) || target.contains(":" + KeyIds.ALIAS_PREFIX)) {
      throw KmsError.VALIDATION.exception("TargetKeyId must be a key id or key ARN, not an alias");
    }
    String id = ids.resolve(keys, target);
    call.useKey(id);
    keys.createAlias(alias, id);
    return KmsRequest.JSON.createObjectNode();
  }

  private ObjectNode deleteAlias(Call call) throws EnvelopeException {
    String alias = ids.alias(call.request().requiredString("AliasName"));
    String id;
    try {
      id = keys.resolveKeyId(alias);
    } catch (EnvelopeException e) {
      if (e.code() != ErrorCode.KEY_NOT_FOUND && e.code() != ErrorCode.INVALID_ARGUMENT) {
        throw e;
      }
      throw KmsError.NOT_FOUND.exception("Alias " + ids.aliasArn(alias) + " is not found.");
    }
    call.useKey(id); // deleting an alias is a use of the key it names
    keys.deleteAlias(alias);
    return KmsRequest.JSON.createObjectNode();
  }

  private ObjectNode listAliases(Call call) throws EnvelopeException {
    String onlyKey = call.request().string("KeyId").isPresent() ? key(call) : null;
    List<Map.Entry<String, RootKey>> aliases = new ArrayList<>(); // alias -> its key
    for (RootKey key : keys.listKeys()) {
      if (onlyKey == null || onlyKey.equals(key.id())) {
        key.aliases().forEach(alias -> aliases.add(Map.entry(alias, key)));
      }
    }
    aliases.sort(Map.Entry.comparingByKey());
    ObjectNode response = KmsRequest.JSON.createObjectNode();
    ArrayNode array = response.putArray("Aliases");
    for (Map.Entry<String, RootKey> alias : paging.page("ListAliases " + onlyKey, aliases, Map.Entry::getKey,
        call.request(), response)) {
      // An alias is never re-pointed here (no UpdateAlias): it was last updated when it was made.
      double created = epochSeconds(alias.getValue().aliasCreatedAt(alias.getKey()));
      array.addObject().put("AliasName", ids.aliasName(alias.getKey())).put("AliasArn", ids.aliasArn(alias.getKey()))
          .put("TargetKeyId", alias.getValue().id()).put("CreationDate", created).put("LastUpdatedDate", created);
    }
    return response;
  }


  /** The {@code KeyMetadata} structure of CreateKey and DescribeKey. */
  private ObjectNode metadata(RootKey key) {
    ObjectNode response = KmsRequest.JSON.createObjectNode();
    ObjectNode m = response.putObject("KeyMetadata");
    m.put("AWSAccountId", ids.account());
    m.put("KeyId", key.id());
    m.put("Arn", ids.keyArn(key.id()));
    m.put("CreationDate", epochSeconds(key.createdAt()));
    m.put("Enabled", key.state() == ManagedKeyService.KeyState.ENABLED);
    m.put("Description", key.description());
    m.put("KeyUsage", "ENCRYPT_DECRYPT");
    m.put("KeyState", state(key));
    key.deletionDate().ifPresent(date -> m.put("DeletionDate", epochSeconds(date)));
    m.put("Origin", "AWS_KMS");
    m.put("KeyManager", "CUSTOMER");
    m.put("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT");
    m.put("KeySpec", "SYMMETRIC_DEFAULT");
    m.putArray("EncryptionAlgorithms").add("SYMMETRIC_DEFAULT");
    m.put("MultiRegion", false);
    return response;
  }

  private ObjectNode keyIdOnly(RootKey key) {
    ObjectNode response = KmsRequest.JSON.createObjectNode();
    response.put("KeyId", ids.keyArn(key.id()));
    return response;
  }

  private static ObjectNode empty(RootKey ignored) {
    return KmsRequest.JSON.createObjectNode();
  }

  private static String state(RootKey key) {
    return switch (key.state()) {
      case ENABLED -> "Enabled";
      case DISABLED -> "Disabled";
      case PENDING_DELETION -> "PendingDeletion";
    };
  }

  /** KMS timestamps: seconds since the epoch, with a fraction. */
  static double epochSeconds(Instant instant) {
    return instant.getEpochSecond() + instant.getNano() / 1e9;
  }

  private static void requireValue(KmsRequest request, String field, String only) {
    request.string(field).ifPresent(value -> {
      if (!value.equals(only)) {
        throw KmsError.UNSUPPORTED_OPERATION.exception("This key server supports only " + field + " " + only);
      }
    });
  }
}
