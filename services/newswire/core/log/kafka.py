"""The production log: Apache Kafka through kafka-python.

Guarantees match :mod:`newswire.core.log.types` (and the contract suite in
``tests/test_log_contract.py``):

- the producer waits for every in-sync replica (``acks='all'``) and is
  idempotent (kafka-python 3.x default), so a retried batch is not written
  twice; records are batched for ``linger_ms``;
- keys are hashed with Kafka's default partitioner (murmur2), the same
  function :func:`newswire.core.log.sqlite.partition_for` uses, so a key lands
  in the same partition on either backend;
- consumers never auto-commit and start at the earliest offset when their
  group has no commit (kafka-python's defaults are the opposite, DESIGN.md
  "Known pitfalls"); ``group_id=None`` assigns every partition by hand;
- a consumer with a group returns from :meth:`KafkaLog.consumer` once it has
  joined (its first assignment is known), so ``assignment()``, ``seek`` and a
  ``--once`` run behave as on the embedded log;
- an unreachable broker raises :class:`LogUnavailable` naming the bootstrap
  address within ``DEFAULT_BOOTSTRAP_TIMEOUT_MS``, not after minutes.

Secrets (the SASL password) go to kafka-python and nowhere else: never into a
log line, an error message or ``repr``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import kafka.errors as kerrors
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KafkaTopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.structs import OffsetAndMetadata

from newswire.core.config import KafkaSettings
from newswire.core.errors import ConfigError, LogError, LogUnavailable
from newswire.core.log.types import (
    Delivery,
    Headers,
    LogRecord,
    OffsetReset,
    Retention,
    TopicPartition,
    TopicStats,
    group_lag,
    matching_topics,
)
from newswire.core.logging import get_logger

__all__ = [
    "KafkaLog",
    "KafkaLogConsumer",
    "kafka_client_config",
    "DEFAULT_BOOTSTRAP_TIMEOUT_MS",
    "DEFAULT_LINGER_MS",
    "DEFAULT_JOIN_TIMEOUT",
]

#: How long a client may try to reach the first broker before we report it unreachable.
DEFAULT_BOOTSTRAP_TIMEOUT_MS = 5_000
#: Producer batching: wait this long for more records to share a request.
DEFAULT_LINGER_MS = 5
#: Producer batch size per partition (bytes); 64 KiB holds ~60 records of 1 KiB.
DEFAULT_BATCH_BYTES = 64 * 1024
#: Upper bound on how long :meth:`KafkaLog.consumer` waits for its first assignment (seconds).
#: A join waits for the session timeout of a member that died without leaving, so allow for it.
DEFAULT_JOIN_TIMEOUT = 30.0
#: How often a pattern subscription refreshes its topic list (kafka-python's default is 5 minutes).
PATTERN_REFRESH_MS = 5_000

_log = get_logger(__name__)

# Errors that mean "cannot reach or talk to the broker" rather than "this request failed".
_UNAVAILABLE = (
    kerrors.MetadataEmptyBrokerList,
    kerrors.KafkaConnectionError,
    kerrors.KafkaTimeoutError,
    kerrors.NodeNotReadyError,
    kerrors.SaslAuthenticationFailedError,
)


def kafka_client_config(bootstrap: Sequence[str], settings: KafkaSettings) -> dict[str, Any]:
    """The connection keywords every kafka-python client of ours gets, from ``KafkaSettings``.

    Raises :class:`ConfigError` naming the key when the security settings are inconsistent.
    """
    config: dict[str, Any] = {
        "bootstrap_servers": list(bootstrap),
        "client_id": settings.client_id,
        "security_protocol": settings.security_protocol,
        "request_timeout_ms": settings.request_timeout_ms,
        "bootstrap_timeout_ms": min(DEFAULT_BOOTSTRAP_TIMEOUT_MS, settings.request_timeout_ms),
        # Back off reconnects quickly at first but never hammer a down broker.
        "reconnect_backoff_max_ms": 5_000,
    }
    if settings.security_protocol.startswith("SASL_"):
        if settings.sasl_mechanism is None:
            raise ConfigError(f"security_protocol {settings.security_protocol} needs a SASL mechanism",
                              where="kafka.sasl_mechanism", hint="set NEWSWIRE_KAFKA__SASL_MECHANISM")
        if not settings.sasl_username:
            raise ConfigError("SASL needs a user name", where="kafka.sasl_username",
                              hint="set NEWSWIRE_KAFKA__SASL_USERNAME")
        password = settings.password()
        if password is None:
            raise ConfigError("SASL needs a password", where="kafka.sasl_password",
                              hint="set NEWSWIRE_KAFKA__SASL_PASSWORD or kafka.sasl_password_file")
        config.update(sasl_mechanism=settings.sasl_mechanism, sasl_plain_username=settings.sasl_username,
                      sasl_plain_password=password)
    elif settings.sasl_mechanism is not None:
        raise ConfigError(f"a SASL mechanism is set but security_protocol is {settings.security_protocol}",
                          where="kafka.security_protocol", hint="use SASL_PLAINTEXT or SASL_SSL")
    if settings.ssl_cafile is not None:
        if not settings.ssl_cafile.is_file():
            raise ConfigError(f"no such CA file {settings.ssl_cafile}", where="kafka.ssl_cafile")
        config["ssl_cafile"] = str(settings.ssl_cafile)
    return config


def _ktp(tp: TopicPartition) -> KafkaTopicPartition:
    return KafkaTopicPartition(tp.topic, tp.partition)


def _tp(ktp: KafkaTopicPartition) -> TopicPartition:
    return TopicPartition(ktp.topic, ktp.partition)


class _KafkaFuture:
    """A produced record's pending :class:`Delivery`."""

    __slots__ = ("_future", "_where")

    def __init__(self, future: Any, where: str) -> None:
        self._future = future
        self._where = where

    def result(self, timeout: float | None = None) -> Delivery:
        try:
            meta = self._future.get(timeout=timeout)
        except _UNAVAILABLE as exc:
            raise LogUnavailable(f"record not delivered: {exc}", where=self._where) from None
        except kerrors.KafkaError as exc:
            raise LogError(f"record not delivered: {exc}", where=self._where) from None
        return Delivery(meta.topic, meta.partition, meta.offset)


class KafkaLog:
    """The :class:`~newswire.core.log.types.Log` on a Kafka cluster. Thread-safe."""

    def __init__(self, bootstrap: Sequence[str], settings: KafkaSettings | None = None, *,
                 default_partitions: int = 3, linger_ms: int = DEFAULT_LINGER_MS,
                 join_timeout: float = DEFAULT_JOIN_TIMEOUT, retention: Mapping[str, Retention] | None = None,
                 stamp: Any = None) -> None:
        """``retention`` becomes the ``retention.ms``/``retention.bytes`` of the topics this client creates
        (the broker enforces it); ``stamp`` adds headers to every produced record."""
        self.bootstrap = [b.strip() for b in bootstrap if b.strip()]
        if not self.bootstrap:
            raise ConfigError("no bootstrap address", where="log_url", hint="use kafka://host:port[,host:port]")
        self.url = "kafka://" + ",".join(self.bootstrap)
        self.settings = settings or KafkaSettings()
        self.default_partitions = default_partitions
        self.join_timeout = join_timeout
        self.retention = dict(retention or {})
        self.stamp = stamp
        self._config = kafka_client_config(self.bootstrap, self.settings)
        self._lock = threading.RLock()  # admin and metadata clients are not thread-safe
        self._partitions: dict[str, int] = {}
        self._errors: list[BaseException] = []
        self._closed = False
        with self._wrap("cannot connect"):
            self._producer = KafkaProducer(
                **self._config, acks="all", enable_idempotence=True, linger_ms=linger_ms,
                batch_size=DEFAULT_BATCH_BYTES,
                # send() blocks at most this long for metadata or buffer space.
                max_block_ms=self.settings.request_timeout_ms)
            self._admin = KafkaAdminClient(**self._config)
            self._meta = KafkaConsumer(**self._config, group_id=None, enable_auto_commit=False)
        _log.info("kafka log opened", bootstrap=self.url, security_protocol=self.settings.security_protocol,
                  sasl_mechanism=self.settings.sasl_mechanism, sasl_username=self.settings.sasl_username)

    @contextmanager
    def _wrap(self, what: str) -> Iterator[None]:
        """Turn kafka-python's errors into ours, naming the bootstrap address."""
        try:
            yield
        except _UNAVAILABLE as exc:
            raise LogUnavailable(f"{what}: broker unreachable ({type(exc).__name__})", where=self.url,
                                 hint="check the address, that the broker runs, and the kafka.* security "
                                      "settings") from None
        except kerrors.KafkaError as exc:
            raise LogError(f"{what}: {exc}", where=self.url) from None

    # -- topics ----------------------------------------------------------------

    def create_topics(self, topics: Mapping[str, int]) -> None:
        missing = {name: n for name, n in topics.items() if name not in self._partitions}
        if not missing:
            return
        with self._lock, self._wrap("cannot create topics"):
            # replication_factor -1: the broker's default.replication.factor (KIP-464).
            response = self._admin.create_topics(
                {name: {"num_partitions": n, "topic_configs": self._topic_configs(name)}
                 for name, n in missing.items()},
                raise_errors=False, wait_for_metadata=True)
            for result in response["topics"]:
                code = result["error_code"]
                if code not in (0, kerrors.TopicAlreadyExistsError.errno):
                    raise LogError(f"cannot create topic {result['name']!r}: "
                                   f"{result['error_message'] or kerrors.for_code(code).__name__}", where=self.url)

    def _topic_configs(self, topic: str) -> dict[str, str]:
        policy = self.retention.get(topic)
        if policy is None:
            return {}
        return {"retention.ms": str(policy.ms), "retention.bytes": str(policy.bytes)}

    def partitions_for(self, topic: str) -> int:
        cached = self._partitions.get(topic)
        if cached is not None:
            return cached
        with self._lock, self._wrap(f"cannot read metadata of {topic!r}"):
            partitions = self._meta.partitions_for_topic(topic)
            if not partitions:
                # Same as the embedded log: a topic is created on first use.
                self.create_topics({topic: self.default_partitions})
                deadline = time.monotonic() + self.settings.request_timeout_ms / 1000
                while not (partitions := self._meta.partitions_for_topic(topic)):
                    if time.monotonic() > deadline:
                        raise LogError(f"topic {topic!r} was created but never appeared", where=self.url)
                    time.sleep(0.05)
            self._partitions[topic] = len(partitions)
            return len(partitions)

    def topics(self) -> dict[str, int]:
        with self._lock, self._wrap("cannot list topics"):
            names = sorted(t for t in self._meta.topics() if not t.startswith("__"))
            return {name: len(self._meta.partitions_for_topic(name) or ()) for name in names}

    def topic_stats(self) -> list[TopicStats]:
        """Records from the offsets; bytes are not asked of the brokers (kafka-log-dirs tells them)."""
        topics = self.topics()
        tps = [KafkaTopicPartition(t, p) for t, n in topics.items() for p in range(n)]
        with self._lock, self._wrap("cannot read offsets"):
            starts = self._meta.beginning_offsets(tps) if tps else {}
            ends = self._meta.end_offsets(tps) if tps else {}
        stats = []
        for topic, n in topics.items():
            oldest = {p: int(starts[KafkaTopicPartition(topic, p)]) for p in range(n)}
            end = {p: int(ends[KafkaTopicPartition(topic, p)]) for p in range(n)}
            stats.append(TopicStats(topic, n, records=sum(end[p] - oldest[p] for p in range(n)), bytes=None,
                                    oldest_offset=oldest, end_offset=end))
        return stats

    # -- producing -------------------------------------------------------------

    def produce(self, topic: str, key: str | None, value: bytes, headers: Headers = ()) -> _KafkaFuture:
        if not isinstance(value, bytes | bytearray):
            raise TypeError(f"value must be bytes, not {type(value).__name__}")
        self.partitions_for(topic)  # create on first use, as the embedded log does
        if self.stamp is not None:
            headers = self.stamp(topic, key, bytes(value), headers)
        with self._wrap(f"cannot produce to {topic!r}"):
            future = self._producer.send(
                topic, value=bytes(value), key=None if key is None else key.encode("utf-8"),
                headers=[(k, bytes(v)) for k, v in headers])
        future.add_errback(self._errors.append)
        return _KafkaFuture(future, f"{self.url} {topic}")

    def flush(self, timeout: float | None = None) -> None:
        with self._wrap("flush failed"):
            self._producer.flush(timeout=timeout)
        if self._errors:
            first, count = self._errors[0], len(self._errors)
            self._errors.clear()
            raise LogError(f"{count} record(s) not delivered: {first}", where=self.url)

    # -- reading ---------------------------------------------------------------

    def consumer(self, group_id: str | None, topics: Sequence[str] = (), *, pattern: str | None = None,
                 offset_reset: OffsetReset = "earliest") -> KafkaLogConsumer:
        for topic in topics:
            self.partitions_for(topic)
        return KafkaLogConsumer(self, group_id, topics, pattern=pattern, offset_reset=offset_reset)

    def end_offsets(self, topic: str) -> dict[int, int]:
        n = self.partitions_for(topic)
        with self._lock, self._wrap(f"cannot read end offsets of {topic!r}"):
            ends = self._meta.end_offsets([KafkaTopicPartition(topic, p) for p in range(n)])
        return {ktp.partition: int(end) for ktp, end in sorted(ends.items())}

    def committed_offsets(self, group_id: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
        with self._lock, self._wrap(f"cannot read offsets of group {group_id!r}"):
            offsets = self._admin.list_group_offsets({group_id: None}).get(group_id, {})
        return {_tp(ktp): om.offset for ktp, om in offsets.items() if ktp.topic in topics and om.offset >= 0}

    def group_lag(self, group_id: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
        return group_lag(self, group_id, topics, self.committed_offsets(group_id, topics))

    def ping(self) -> None:
        with self._lock, self._wrap("ping failed"):
            self._admin.describe_cluster()

    def close(self) -> None:
        """Flush, then close the clients; a second call does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self.flush()
        finally:
            with self._lock:
                self._producer.close()
                self._admin.close()
                self._meta.close()

    def __enter__(self) -> KafkaLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KafkaLog({self.url!r})"


class _Joined(ConsumerRebalanceListener):
    """Notes that a join completed; kafka-python calls it after every rebalance, even with no partitions."""

    def __init__(self) -> None:
        self.generations = 0

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.generations += 1


class KafkaLogConsumer:
    """One member of a consumer group (or, without a group, a reader of every partition)."""

    def __init__(self, log: KafkaLog, group_id: str | None, topics: Sequence[str] = (), *,
                 pattern: str | None = None, offset_reset: OffsetReset = "earliest") -> None:
        if bool(topics) == (pattern is not None):
            raise ValueError("subscribe to topics or to a pattern, not both or neither")
        self.log = log
        self.group_id = group_id
        self.pattern = pattern
        # Without a group there is no coordinator to follow the pattern: take the topics matching now.
        self.topics = list(topics) if pattern is None else matching_topics(pattern, log.topics())
        self._closed = False
        settings = log.settings
        with log._wrap(f"cannot start consumer of {pattern or ', '.join(self.topics)}"):
            self._consumer = KafkaConsumer(
                **log._config, group_id=group_id, enable_auto_commit=False, auto_offset_reset=offset_reset,
                session_timeout_ms=settings.session_timeout_ms,
                heartbeat_interval_ms=settings.heartbeat_interval_ms,
                # A pattern subscription sees a new matching topic at the next metadata refresh.
                **({"metadata_max_age_ms": PATTERN_REFRESH_MS} if pattern is not None else {}))
            if group_id is None:
                self._consumer.assign([KafkaTopicPartition(t, p) for t in self.topics
                                       for p in range(log.partitions_for(t))])
                self._resolve_positions()
            else:
                self._joined = _Joined()
                if pattern is not None:
                    # kafka-python matches with re.match (a prefix); anchor it so both backends match whole names.
                    self._consumer.subscribe(pattern=rf"(?:{pattern})\Z", listener=self._joined)
                else:
                    self._consumer.subscribe(self.topics, listener=self._joined)
                self._wait_for_join(log.join_timeout)
                self._resolve_positions()

    def _resolve_positions(self) -> None:
        """Fix each assigned partition's start now (committed, else earliest or latest), as the embedded log
        does, rather than at the first fetch: "latest" then means the end when the consumer was made."""
        for ktp in self._consumer.assignment():
            self._consumer.position(ktp)

    def _wait_for_join(self, timeout: float) -> None:
        """Poll until the group assigns partitions, then rewind what those polls fetched.

        kafka-python joins a group only inside ``poll()``; joining here makes
        ``assignment()`` meaningful right away, as on the embedded log.
        """
        deadline = time.monotonic() + timeout
        while self._joined.generations == 0 and time.monotonic() < deadline:
            fetched = self._consumer.poll(timeout_ms=100)
            for ktp, records in fetched.items():
                # Not handed to the caller yet: the next poll() must return them.
                self._consumer.seek(ktp, records[0].offset)
        if self._joined.generations == 0:
            _log.warning("consumer has not joined its group yet", group=self.group_id, topics=self.topics,
                         waited_s=timeout, log=self.log.url)

    def poll(self, max_records: int = 500, timeout: float = 1.0) -> list[LogRecord]:
        with self.log._wrap("poll failed"):
            fetched = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        records = []
        for ktp, batch in fetched.items():
            for r in batch:
                records.append(LogRecord(
                    ktp.topic, ktp.partition, r.offset, None if r.key is None else r.key.decode("utf-8"),
                    r.value, tuple((k, bytes(v)) for k, v in (r.headers or ())), r.timestamp / 1000))
        return records

    def commit(self, offsets: Mapping[TopicPartition, int] | None = None) -> None:
        if self.group_id is None:
            raise LogError("cannot commit without a consumer group", where=self.log.url)
        payload = None if offsets is None else {_ktp(tp): OffsetAndMetadata(off, "", -1)
                                                for tp, off in offsets.items()}
        with self.log._wrap(f"commit of group {self.group_id!r} failed"):
            try:
                self._consumer.commit(payload)
            except kerrors.CommitFailedError:
                # The group rebalanced: these partitions belong to another member now, which
                # resumes at the last successful commit (at-least-once), as on the embedded log.
                _log.warning("commit rejected after a rebalance", group=self.group_id, log=self.log.url)

    def committed(self, tp: TopicPartition) -> int | None:
        if self.group_id is None:
            return None
        with self.log._wrap(f"cannot read the commit of {tp}"):
            return self._consumer.committed(_ktp(tp))  # type: ignore[no-any-return]

    def seek(self, tp: TopicPartition, offset: int) -> None:
        if _ktp(tp) not in self._consumer.assignment():
            raise LogError(f"partition {tp} is not assigned to this consumer", where=self.log.url)
        self._consumer.seek(_ktp(tp), offset)

    def seek_to_beginning(self, tps: Iterable[TopicPartition] | None = None) -> None:
        targets = self.assignment() if tps is None else set(tps)
        if not targets:
            return
        for tp in targets:
            if _ktp(tp) not in self._consumer.assignment():
                raise LogError(f"partition {tp} is not assigned to this consumer", where=self.log.url)
        # The log start, which is 0 only until retention deletes the oldest segment.
        self._consumer.seek_to_beginning(*(_ktp(tp) for tp in targets))

    def assignment(self) -> set[TopicPartition]:
        return {_tp(ktp) for ktp in self._consumer.assignment()}

    def position(self, tp: TopicPartition) -> int:
        with self.log._wrap(f"cannot read the position of {tp}"):
            return int(self._consumer.position(_ktp(tp)))

    def end_offsets(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        ktps = [_ktp(tp) for tp in tps]
        if not ktps:
            return {}
        with self.log._wrap("cannot read end offsets"):
            return {_tp(ktp): int(end) for ktp, end in self._consumer.end_offsets(ktps).items()}

    def lag(self) -> dict[TopicPartition, int]:
        ends = self.end_offsets(self.assignment())
        return {tp: max(0, end - (self.committed(tp) or 0)) for tp, end in ends.items()}

    def close(self) -> None:
        """Leave the group without committing; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        # autocommit=False: leaving must not commit what was polled but not processed.
        self._consumer.close(autocommit=False)

    def __enter__(self) -> KafkaLogConsumer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
