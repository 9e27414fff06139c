"""A published reference: the series-of-pairs model (see models.ts) written with SimPy 2
(Debian's python3-simpy, 2.3.1: the classic API, `from SimPy.Simulation import ...`) the
way its documentation models things: a `Simulation` per history, each replica a
`Process` whose life is a generator that holds for its time to failure, then for its
repair time, and so on; exponentials from Python's `random` (a Mersenne Twister, one
`random.Random(seed)` per run, `expovariate`). The state of the groups and the downtime
are counted by the replicas as they fail and are repaired, as the limit (limit.ts) counts
them. Times in hours.

Model: GROUPS independent 1+1 groups in series; every replica fails after Exp(mean
2,000 h) and is repaired after Exp(mean 1 h) (independent repair, instant switchover); a
group is down while both its replicas are, the system while any group is. Histories of
87,600 h (10 years), each starting with everything up. Events are the failures and
repairs handled (at times up to the horizon), as the limit counts them.

    /usr/bin/python3 src/bench/simpy_loop.py GROUPS HISTORIES [SEED]   # prints one JSON line

The JSON line: library (SimPy's and Python's versions), groups, histories, events,
availability (mean over histories), availabilityStdErr (its standard error, from the
spread of the histories), loopSeconds (wall seconds of the simulation loop alone),
historiesPerSecond and eventsPerSecond (per loop second), and cpuSeconds: the CPU time
(user + system seconds) of the whole process from its start, interpreter start-up and
imports included, from getrusage(RUSAGE_SELF) just before the line is printed.

Needs Debian's python3-simpy for /usr/bin/python3 (`apt-get install python3-simpy`); PyPI's
simpy 3 and 4 are another API.
"""
import json
import math
import platform
import random
import resource
import sys
import time

try:
    import SimPy
    from SimPy.Simulation import Process, Simulation, hold
except ImportError as e:  # the bench and the test say how to install it
    sys.stderr.write(f"simpy_loop.py: SimPy 2 is missing ({e}): apt-get install python3-simpy, then run with /usr/bin/python3\n")
    sys.exit(3)

# Replica MTTF and MTTR (hours) and the horizon of a history (hours: 10 years).
MTTF_H = 2000.0
MTTR_H = 1.0
HORIZON_H = 87600.0


class Series:
    """State of one history shared by its replicas (times in hours)."""

    def __init__(self, groups, rng):
        self.rng = rng
        # Replicas up in each group (0, 1 or 2).
        self.up_in_group = [2] * groups
        # Groups with both replicas down; when the system last went down (h); downtime (h).
        self.groups_down = 0
        self.down_since = 0.0
        self.downtime = 0.0
        # Failures and repairs handled.
        self.events = 0


class Replica(Process):
    """A replica: fails after Exp(MTTF), is repaired after Exp(MTTR), and so on."""

    def __init__(self, sim, series, group):
        Process.__init__(self, sim=sim)
        self.series = series
        self.group = group

    def life(self):
        s = self.series
        g = self.group
        rng = s.rng
        while True:
            yield hold, self, rng.expovariate(1.0 / MTTF_H)
            # Failure: the group may go down, and with it the system.
            s.events += 1
            s.up_in_group[g] -= 1
            if s.up_in_group[g] == 0:
                if s.groups_down == 0:
                    s.down_since = self.sim.now()
                s.groups_down += 1
            yield hold, self, rng.expovariate(1.0 / MTTR_H)
            # Repair: the group is up again, and maybe the system.
            s.events += 1
            s.up_in_group[g] += 1
            if s.up_in_group[g] == 1:
                s.groups_down -= 1
                if s.groups_down == 0:
                    s.downtime += self.sim.now() - s.down_since


def simpy_loop(groups, histories, horizon, seed):
    """Runs `histories` histories of the G-group model; returns a dict of events,
    mean availability and its standard error."""
    rng = random.Random(seed)
    events = 0
    sum_u = 0.0
    sum_u2 = 0.0
    for _ in range(histories):
        sim = Simulation()
        sim.initialize()
        series = Series(groups, rng)
        for g in range(groups):
            for _r in range(2):
                replica = Replica(sim, series, g)
                sim.activate(replica, replica.life())
        sim.simulate(until=horizon)
        if series.groups_down > 0:
            series.downtime += horizon - series.down_since
        u = series.downtime / horizon
        sum_u += u
        sum_u2 += u * u
        events += series.events
    mean_u = sum_u / histories
    if histories > 1:
        var = max(0.0, (sum_u2 - histories * mean_u * mean_u) / (histories - 1))
        se = math.sqrt(var / histories)
    else:
        se = float("nan")
    return {"histories": histories, "events": events, "availability": 1.0 - mean_u, "availabilityStdErr": se}


def main(argv):
    try:
        groups = int(argv[1])
        histories = int(argv[2])
        seed = int(argv[3]) if len(argv) > 3 else 1
        if groups <= 0 or histories <= 0:
            raise ValueError
    except (IndexError, ValueError):
        sys.stderr.write("usage: /usr/bin/python3 src/bench/simpy_loop.py GROUPS HISTORIES [SEED]\n")
        return 2
    t0 = time.perf_counter()
    r = simpy_loop(groups, histories, HORIZON_H, seed)
    seconds = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    out = {
        "library": f"SimPy {SimPy.__version__} (Python {platform.python_version()})",
        "groups": groups,
        **r,
        "loopSeconds": seconds,
        "historiesPerSecond": histories / seconds,
        "eventsPerSecond": r["events"] / seconds,
        "cpuSeconds": ru.ru_utime + ru.ru_stime,
    }
    if out["availabilityStdErr"] != out["availabilityStdErr"]:  # NaN is not JSON
        out["availabilityStdErr"] = None
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
