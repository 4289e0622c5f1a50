// The run's state machine (the states are listed in ../protocol.js). Every
// change goes through go(), which refuses a transition the table does not
// allow — a bug, not a user error — and tells the page with a 'state' event.
//
//   loading ──► idle ──Train──► starting ──data ready──► training ──Pause──► paused
//                ▲                 │ Pause                  │ epochs done      │ Train
//                │                 ▼                        ▼                  ▼
//                └──── a new model (Reset, load, data set) ◄─ finished     starting
// Step from idle or paused runs one minibatch and lands in paused.
import { RUN_STATES } from '../protocol.js';

// next states allowed from each state; every state is one of RUN_STATES.
const ALLOWED = {
  loading: ['loading', 'idle'],
  idle: ['idle', 'starting', 'paused', 'loading'],
  starting: ['training', 'paused', 'idle', 'loading', 'starting'],
  training: ['paused', 'finished', 'idle', 'loading'],
  paused: ['starting', 'paused', 'idle', 'loading', 'finished'],
  finished: ['starting', 'idle', 'loading', 'finished', 'paused'],
};

// post(state, extra): tells the page ({ state, message?, kind? }).
for (const state of Object.keys(ALLOWED)) if (!RUN_STATES[state]) throw new Error(`run state '${state}' is not listed`);

export function createRunState(post) {
  let state = 'loading';
  return {
    get state() {
      return state;
    },
    is: (...names) => names.includes(state),
    // extra: { kind: 'paused' | 'done' | 'diverged' | …, message } for the page.
    go(next, extra = {}) {
      if (!ALLOWED[state].includes(next)) throw new Error(`run state: ${state} → ${next} is not a transition`);
      state = next;
      post({ state, ...extra });
    },
  };
}
