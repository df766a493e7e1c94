"""The scenario as a list of timed commands, kept compact until it is written.

A year at benchmark scale is millions of position reports; holding each as a
command object with a shapely point would cost gigabytes. Position reports stay in
numpy arrays and become `MoveUnit` commands only batch by batch while writing.
Every entry gets a running number, so entries at the same second keep the order in
which the simulation produced them (a unit's reports never swap places).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely

from georisk import commands as c
from georisk.timeutil import from_micros


@dataclass
class Plan:
    end: int  # epoch seconds; nothing later is written
    unit_ids: list[str] = field(default_factory=list)
    _times: list[int] = field(default_factory=list)
    _orders: list[int] = field(default_factory=list)
    _commands: list[c.Command] = field(default_factory=list)
    _moves: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    _counter: int = 0

    def add(self, time: int, command: c.Command) -> None:
        if time <= self.end:
            self._times.append(int(time))
            self._orders.append(self._counter)
            self._commands.append(command)
        self._counter += 1

    def add_moves(
        self,
        unit: int,
        times: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        heading: np.ndarray,
        speed: np.ndarray,
    ) -> None:
        """Position reports of one unit (x, y already WGS84 lon/lat or metric; see `write`)."""
        n = len(times)
        order = np.arange(self._counter, self._counter + n, dtype=np.int64)
        self._counter += n
        keep = times <= self.end
        if keep.any():
            units = np.full(int(keep.sum()), unit, dtype=np.int64)
            self._moves.append(
                (times[keep].astype(np.int64), order[keep], units, x[keep], y[keep],
                 heading[keep], speed[keep])
            )

    def move_columns(self) -> tuple[np.ndarray, ...]:
        if not self._moves:
            empty = np.empty(0)
            return tuple(empty.astype(np.int64) if i < 3 else empty for i in range(7))
        return tuple(np.concatenate(parts) for parts in zip(*self._moves, strict=True))

    def count_commands(self) -> int:
        return len(self._commands)

    def commands(
        self, lon: np.ndarray, lat: np.ndarray, batch: int
    ) -> Iterator[tuple[list[c.Command], list]]:
        """(commands, times) in journal order, ``batch`` at a time.

        ``lon``/``lat`` are the move positions in WGS84, in `move_columns` order.
        """
        times_m, order_m, unit_m, _, _, heading_m, speed_m = self.move_columns()
        n_cmd = len(self._commands)
        times = np.concatenate([np.asarray(self._times, dtype=np.int64), times_m])
        orders = np.concatenate([np.asarray(self._orders, dtype=np.int64), order_m])
        sequence = np.lexsort((orders, times))
        for start in range(0, len(sequence), batch):
            chunk = sequence[start : start + batch]
            moves = chunk[chunk >= n_cmd] - n_cmd
            points = iter(shapely.points(lon[moves], lat[moves]).tolist())
            move_fields = iter(
                zip(unit_m[moves].tolist(), heading_m[moves].tolist(), speed_m[moves].tolist(),
                    strict=True)
            )
            out: list[c.Command] = []
            stamps = []
            cache: dict[int, object] = {}
            for index, seconds in zip(chunk.tolist(), times[chunk].tolist(), strict=True):
                moment = cache.get(seconds)
                if moment is None:
                    moment = cache[seconds] = from_micros(seconds * 1_000_000)
                stamps.append(moment)
                if index < n_cmd:
                    out.append(self._commands[index])
                else:
                    unit, heading, speed = next(move_fields)
                    out.append(c.MoveUnit(self.unit_ids[unit], next(points), moment, heading,
                                          speed))
            yield out, stamps

    def __len__(self) -> int:
        return len(self._commands) + sum(len(m[0]) for m in self._moves)
