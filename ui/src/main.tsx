import { render } from 'preact';
import './styles.css';
import { App } from './App';
import { startEvents } from './events';
import { loadStatus, refreshCounts } from './store';

render(<App />, document.getElementById('app')!);
void loadStatus().then(() => refreshCounts());
void startEvents();
